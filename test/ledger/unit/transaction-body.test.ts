// The body rules of POST /clientes/{id}/transacoes (docs/API.md, ledger), at the parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../src/kernel/errors.js';
import { isValidDescricao, parseTransactionBody, type TransactionFields } from '../../../src/ledger/transaction-body.js';

function parse(body: string): TransactionFields | ErrorCode {
  const into: TransactionFields = { valor: 0, tipo: '', descricao: '' };
  const result = parseTransactionBody(body, into);
  return result === undefined ? into : result;
}

const body = (valor: string, tipo = '"c"', descricao = '"ok"') => `{"valor":${valor},"tipo":${tipo},"descricao":${descricao}}`;

test('a valid credit and a valid debit are parsed exactly', () => {
  assert.deepEqual(parse('{"valor": 1000, "tipo": "c", "descricao": "descricao"}'), { valor: 1000, tipo: 'c', descricao: 'descricao' });
  assert.deepEqual(parse(' {\n"tipo":"d",\t"descricao":"x","valor":1}\r\n'), { valor: 1, tipo: 'd', descricao: 'x' });
});

test('valor accepts every integer from 1 to 2147483647 written as plain digits', () => {
  for (const valor of ['1', '9', '10', '2147483647', '1000000000']) {
    assert.deepEqual(parse(body(valor)), { valor: Number(valor), tipo: 'c', descricao: 'ok' }, valor);
  }
});

test('valor that is a float, exponent, zero, negative, too large, string, boolean, null or missing is 422', () => {
  for (const valor of ['1.2', '1.0', '1e3', '1E3', '10e-1', '0', '-0', '-1', '2147483648', '99999999999', '12345678901234567890', '"1"', 'true', 'false', 'null', '[1]', '{"v":1}', '0.0']) {
    assert.equal(parse(body(valor)), ErrorCode.InvalidValor, valor);
  }
  assert.equal(parse('{"tipo":"c","descricao":"x"}'), ErrorCode.InvalidValor);
});

test('tipo other than "c" or "d" is 422', () => {
  for (const tipo of ['"x"', '"C"', '"D"', '"cd"', '""', 'null', '1', 'true', '["c"]', '" c"']) {
    assert.equal(parse(body('1', tipo)), ErrorCode.InvalidTipo, tipo);
  }
  assert.equal(parse('{"valor":1,"descricao":"x"}'), ErrorCode.InvalidTipo);
});

test('descricao counts code points: 1 to 10 are accepted, exactly as sent', () => {
  for (const text of ['a', '1234567890', 'ção', 'ãããããããããã', '😀😀😀😀😀😀😀😀😀😀', ' ', 'a"b\\c', '日本語']) {
    assert.deepEqual(parse(body('1', '"c"', JSON.stringify(text))), { valor: 1, tipo: 'c', descricao: text }, text);
  }
  // Escapes decode to the same text.
  assert.deepEqual(parse(body('1', '"c"', '"\\u00e7\\n\\ud83d\\ude00\\/"')), { valor: 1, tipo: 'c', descricao: 'ç\n😀/' });
});

test('descricao empty, longer than 10 code points, not a string, with NUL or a lone surrogate is 422', () => {
  for (const descricao of ['""', '"12345678901"', '"123456789 e mais um pouco"', '"😀😀😀😀😀😀😀😀😀😀😀"', 'null', '1', 'true', '["a"]', '"a\\u0000b"', '"\\ud800"', '"\\udc00x"', '"x\\ud83d"']) {
    assert.equal(parse(body('1', '"c"', descricao)), ErrorCode.InvalidDescricao, descricao);
  }
  assert.equal(parse('{"valor":1,"tipo":"c"}'), ErrorCode.InvalidDescricao);
});

test('unknown fields are ignored, whatever they hold', () => {
  assert.deepEqual(parse('{"x":[1,{"y":[true,false,null,-1.5e+3]}],"valor":5,"tipo":"d","descricao":"ok","z":"\\u0000"}'), { valor: 5, tipo: 'd', descricao: 'ok' });
});

test('duplicate keys: the last one wins, as in JSON.parse', () => {
  assert.deepEqual(parse('{"valor":1.5,"valor":2,"tipo":"x","tipo":"c","descricao":"a","descricao":"b"}'), { valor: 2, tipo: 'c', descricao: 'b' });
  assert.equal(parse('{"valor":2,"valor":1.5,"tipo":"c","descricao":"a"}'), ErrorCode.InvalidValor);
});

test('keys are compared after unescaping, as JSON.parse does', () => {
  assert.deepEqual(parse('{"val\\u006fr":7,"tipo":"c","descricao":"a"}'), { valor: 7, tipo: 'c', descricao: 'a' });
});

test('a body that is not JSON is 400', () => {
  for (const text of ['', ' ', 'valor=1', '{', '{"valor":1,', '{"valor":1,"tipo":"c","descricao":"a"', '{"valor":01,"tipo":"c","descricao":"a"}', '{"valor":+1}', '{"valor":.5}', '{"valor":1.}', '{"valor":1e}', "{'valor':1}", '{valor:1}', '{"a":1,}', '[1,]', '{"a":"\u0001"}', '{"a":"\\x"}', '{"a":"\\u12G4"}', '{"a" 1}', '{"a":1}{}', '\uFEFF{}', 'nul', 'tru', '{"a":NaN}', '{"a":Infinity}', '"unterminated']) {
    assert.equal(parse(text), ErrorCode.MalformedJson, JSON.stringify(text));
  }
});

test('JSON that is not an object is 400', () => {
  for (const text of ['[]', '[{"valor":1,"tipo":"c","descricao":"a"}]', '1', '"x"', 'null', 'true']) {
    assert.equal(parse(text), ErrorCode.BodyNotObject, text);
  }
});

test('the parser agrees with JSON.parse on which texts are JSON', () => {
  const samples = ['{}', '{"a":[]}', '{"a":{}}', '{"a":-0}', '{"a":0.5e-7}', '{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t"}', '{"a":1 }', '{ }', '{"":1}', '[[[[]]]]', '{"a":[1,2,[3,{"b":null}]]}', '{"a":1,"a":2}', '{"a":"\\ud800"}', '-', '{"a":-}', '{"a":2.}', '{"a":[,]}', '{"a":"\t"}'];
  for (const text of samples) {
    let isJson = true;
    try {
      JSON.parse(text);
    } catch {
      isJson = false;
    }
    assert.equal(parse(text) !== ErrorCode.MalformedJson, isJson, text);
  }
});

test('deep nesting within the 1 KiB cap is parsed without crashing', () => {
  const deep = `{"x":${'['.repeat(500)}${']'.repeat(500)},"valor":1,"tipo":"c","descricao":"a"}`;
  assert.deepEqual(parse(deep), { valor: 1, tipo: 'c', descricao: 'a' });
  assert.equal(parse(`{"x":${'['.repeat(500)}}`), ErrorCode.MalformedJson);
});

test('isValidDescricao counts a surrogate pair as one character', () => {
  assert.equal(isValidDescricao('😀'.repeat(10)), true);
  assert.equal(isValidDescricao('😀'.repeat(10) + 'a'), false);
  assert.equal(isValidDescricao('a'.repeat(10)), true);
  assert.equal(isValidDescricao('a'.repeat(11)), false);
});
