// The transfers' input parsers: CPF/CNPJ check digits, registration fields, and value read
// from the JSON number's text into integer cents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../src/kernel/errors.js';
import { completeCnpj, completeCpf, parseCnpj, parseCpf } from '../../../src/transfers/document.js';
import { centsOf, parseRegistration, parseTransferRequest, topLevelValueText } from '../../../src/transfers/request-bodies.js';
import { cnpj, cpf } from '../../helpers/transfers.js';

test('a CPF is valid only with its two check digits; punctuation is stripped', () => {
  assert.equal(parseCpf('529.982.247-25'), '52998224725');
  assert.equal(parseCpf('52998224725'), '52998224725');
  assert.equal(parseCpf('52998224726'), undefined);
  assert.equal(parseCpf('111.111.111-11'), undefined, 'repeated digits pass the check but are no CPF');
  assert.equal(parseCpf('5299822472'), undefined);
  assert.equal(parseCpf('52998224725a'), undefined);
  for (let n = 1; n < 200; n += 7) assert.equal(parseCpf(cpf(n)), cpf(n));
});

test('a CNPJ is valid only with its two check digits; punctuation is stripped', () => {
  assert.equal(parseCnpj('11.222.333/0001-81'), '11222333000181');
  assert.equal(parseCnpj('11222333000182'), undefined);
  assert.equal(parseCnpj('00000000000000'), undefined);
  for (let n = 1; n < 200; n += 7) assert.equal(parseCnpj(cnpj(n)), cnpj(n));
});

test('value becomes integer cents from its text, never through a float', () => {
  assert.equal(centsOf('100'), 10000);
  assert.equal(centsOf('100.0'), 10000);
  assert.equal(centsOf('0.29'), 29);
  assert.equal(centsOf('1.1'), 110);
  assert.equal(centsOf('21474836.47'), 2147483647);
  for (const bad of ['0', '0.00', '-1', '1.234', '1e2', '1E2', '21474836.48', '99999999999', '01', '.5', '"1"', 'null', undefined]) {
    assert.equal(centsOf(bad), undefined, String(bad));
  }
});

test('the value text is the top-level member\'s, the last one when the key repeats, whatever precedes it', () => {
  assert.equal(topLevelValueText('{"value": 1.50}', 'value'), '1.50');
  assert.equal(topLevelValueText('{"a": {"value": 9}, "b": ["value", 8], "value": 2}', 'value'), '2');
  assert.equal(topLevelValueText('{"value": 1, "value": 3.25 }', 'value'), '3.25');
  assert.equal(topLevelValueText('{"x": "a\\"value\\": 5", "value":7}', 'value'), '7');
  assert.equal(topLevelValueText('{}', 'value'), undefined);
});

test('a transfer body names the first rule it breaks', () => {
  assert.deepEqual(parseTransferRequest('{"value": 10.5, "payer": 1000, "payee": 1001}'), { cents: 1050, payer: 1000, payee: 1001 });
  assert.equal(parseTransferRequest('{"value": 10.5, "payer": 1000, "payee": 1000}'), ErrorCode.SamePayerAndPayee);
  assert.equal(parseTransferRequest('{"value": 10.555, "payer": 1000, "payee": 1001}'), ErrorCode.InvalidValue);
  assert.equal(parseTransferRequest('{"value": 1, "payer": "1000", "payee": 1001}'), ErrorCode.InvalidPayer);
  assert.equal(parseTransferRequest('{"value": 1, "payer": 1000}'), ErrorCode.InvalidPayee);
  assert.equal(parseTransferRequest('[1]'), ErrorCode.BodyNotObject);
  assert.equal(parseTransferRequest('{"value": 1,'), ErrorCode.MalformedJson);
});

test('a registration needs every field valid, and the document of its type', () => {
  const ok = { fullName: ' Ana ', document: '529.982.247-25', email: 'a@b.co', password: '12345678', type: 'common' };
  assert.deepEqual(parseRegistration(JSON.stringify(ok)), { fullName: 'Ana', document: '52998224725', email: 'a@b.co', password: '12345678', kind: 'common' });
  assert.equal(parseRegistration(JSON.stringify({ ...ok, type: 'merchant' })), ErrorCode.InvalidDocument);
  assert.equal(parseRegistration(JSON.stringify({ ...ok, email: 'a@b' })), ErrorCode.InvalidEmail);
  assert.equal(parseRegistration(JSON.stringify({ ...ok, password: 'x'.repeat(129) })), ErrorCode.InvalidPassword);
  assert.equal(parseRegistration(JSON.stringify({ ...ok, fullName: 5 })), ErrorCode.InvalidFullName);
});

test('completeCpf and completeCnpj append the check digits of published examples', () => {
  assert.equal(completeCpf('529982247'), '52998224725');
  assert.equal(completeCnpj('112223330001'), '11222333000181');
  assert.equal(parseCnpj('11.222.333/0001-81'), '11222333000181');
});
