// Responses are serialized by the precompiled schemas into exactly the contract's JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serializeError } from '../../../src/kernel/error-status.js';
import { serializeStatement, serializeTransactionResult } from '../../../src/ledger/schemas.js';

test('a transaction result serializes to {limite, saldo} and nothing else', () => {
  const result = { limite: 100000, saldo: -9098, extra: 'dropped' } as never;
  assert.equal(serializeTransactionResult(result), '{"limite":100000,"saldo":-9098}');
});

test('a statement serializes to the contract shape, strings escaped exactly', () => {
  const json = serializeStatement({
    saldo: { total: -9098, data_extrato: '2024-01-17T02:34:41.217753Z', limite: 100000 },
    ultimas_transacoes: [{ valor: 10, tipo: 'c', descricao: 'a"b\\ç😀\n', realizada_em: '2024-01-17T02:34:38.543030Z' }],
  });
  assert.deepEqual(JSON.parse(json), {
    saldo: { total: -9098, data_extrato: '2024-01-17T02:34:41.217753Z', limite: 100000 },
    ultimas_transacoes: [{ valor: 10, tipo: 'c', descricao: 'a"b\\ç😀\n', realizada_em: '2024-01-17T02:34:38.543030Z' }],
  });
});

test('balances up to 2^53 - 1 serialize exactly', () => {
  assert.equal(serializeTransactionResult({ limite: 0, saldo: 9007199254740991 }), '{"limite":0,"saldo":9007199254740991}');
});

test('an error serializes to {"erro": reason}', () => {
  assert.equal(serializeError({ erro: 'x "y"' }), '{"erro":"x \\"y\\""}');
});
