import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asCheckText,
  balanceWithinLimit,
  checkStatementReply,
  checkTransactionReply,
  readPath,
  toInt32,
} from '../../bench/loadtest/checks.js';
import { OutcomeCode } from '../../bench/loadtest/outcome.js';
import { RequestTemplates, transactionBody } from '../../bench/loadtest/scenarios.js';

const j = (x: unknown): Buffer => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x));

test('toInt32 follows Scala toInt on the value text', () => {
  assert.equal(toInt32(-9098), -9098);
  assert.equal(toInt32('123'), 123);
  assert.equal(toInt32('+5'), 5);
  assert.equal(toInt32(1.5), null);
  assert.equal(toInt32('1.5'), null);
  assert.equal(toInt32(2147483648), null);
  assert.equal(toInt32(null), null);
  assert.equal(toInt32(undefined), null);
});

test('the balance rule: saldo may reach -limite, never beyond', () => {
  assert.equal(balanceWithinLimit(-1000, 1000), true);
  assert.equal(balanceWithinLimit(-1001, 1000), false);
  assert.equal(balanceWithinLimit(5, 1000), true);
  assert.equal(balanceWithinLimit(undefined, 1000), false);
});

test('debits accept 200 and 422, credits only 200', () => {
  const ok = j({ limite: 100000, saldo: -9098 });
  assert.equal(checkTransactionReply(200, ok, true), OutcomeCode.OK);
  assert.equal(checkTransactionReply(422, j('{"erro":"x"}'), true), OutcomeCode.OK);
  assert.equal(checkTransactionReply(422, j(''), false), OutcomeCode.BAD_STATUS);
  assert.equal(checkTransactionReply(500, ok, true), OutcomeCode.BAD_STATUS);
});

test('a 200 transaction body beyond the limit, or with an unreadable saldo, is an inconsistency', () => {
  assert.equal(checkTransactionReply(200, j({ limite: 1000, saldo: -1001 }), true), OutcomeCode.INCONSISTENT);
  assert.equal(checkTransactionReply(200, j({ limite: 1000, saldo: 'x' }), false), OutcomeCode.INCONSISTENT);
  assert.equal(checkTransactionReply(200, j({ limite: 1000 }), false), OutcomeCode.INCONSISTENT);
  // No limite: the official saveAs fails first, a plain KO.
  assert.equal(checkTransactionReply(200, j({ saldo: 0 }), false), OutcomeCode.BAD_BODY);
  assert.equal(checkTransactionReply(200, j('not json'), false), OutcomeCode.BAD_BODY);
});

test('statements need 200, saldo.limite and saldo.total >= -limite', () => {
  const body = (total: unknown, limite: unknown): Buffer =>
    j({ saldo: { total, limite, data_extrato: '2024-01-17T02:34:41.217753Z' }, ultimas_transacoes: [] });
  assert.equal(checkStatementReply(200, body(-100000, 100000)), OutcomeCode.OK);
  assert.equal(checkStatementReply(200, body(-100001, 100000)), OutcomeCode.INCONSISTENT);
  assert.equal(checkStatementReply(200, body(0, undefined)), OutcomeCode.BAD_BODY);
  assert.equal(checkStatementReply(404, body(0, 1)), OutcomeCode.BAD_STATUS);
  assert.equal(checkStatementReply(200, j('[]')), OutcomeCode.BAD_BODY);
});

test('readPath and asCheckText read what jmesPath checks compare', () => {
  const json = { saldo: { total: -25 }, ultimas_transacoes: [{ descricao: 'devolve', valor: 1 }, { descricao: 'toma' }] };
  assert.equal(readPath(json, 'saldo.total'), -25);
  assert.equal(readPath(json, 'ultimas_transacoes[1].descricao'), 'toma');
  assert.equal(readPath(json, 'ultimas_transacoes[2].descricao'), undefined);
  assert.equal(readPath(null, 'saldo.total'), undefined);
  assert.equal(asCheckText(readPath(json, 'ultimas_transacoes[0].valor')), '1');
  assert.equal(asCheckText(undefined), null);
});

test('requests are raw HTTP/1.1 with Connection: close and exact Content-Length', () => {
  const t = new RequestTemplates('localhost:9999', () => 0.5);
  const get = t.statement(3);
  assert.match(get, /^GET \/clientes\/3\/extrato HTTP\/1\.1\r\n/);
  assert.match(get, /\r\nConnection: close\r\n/);
  assert.ok(get.endsWith('\r\n\r\n'));

  const body = transactionBody(1, 'c', 'ação');
  const post = t.transaction(1, body);
  const [head, sent] = post.split('\r\n\r\n');
  assert.equal(sent, body);
  assert.match(head!, new RegExp(`Content-Length: ${Buffer.byteLength(body)}$`));

  const debit = t.randomRequest('débitos');
  const payload = JSON.parse(debit.split('\r\n\r\n')[1]!) as { valor: number; tipo: string; descricao: string };
  assert.equal(payload.tipo, 'd');
  assert.ok(Number.isInteger(payload.valor) && payload.valor >= 1 && payload.valor <= 10000);
  assert.match(payload.descricao, /^[A-Za-z0-9]{10}$/);
  assert.match(debit, /^POST \/clientes\/[1-5]\/transacoes /);
  assert.match(t.randomRequest('extratos'), /^GET \/clientes\/[1-5]\/extrato /);
});
