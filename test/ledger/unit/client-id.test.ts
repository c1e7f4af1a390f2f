// The {id} path segment: a positive decimal integer within int32; anything else names no client.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientId } from '../../../src/ledger/client-id.js';

test('positive decimal integers within int32 are client ids', () => {
  for (const [text, id] of [['1', 1], ['5', 5], ['6', 6], ['10', 10], ['2147483647', 2147483647]] as const) {
    assert.equal(parseClientId(text), id);
  }
});

test('anything else is no client id (404)', () => {
  for (const text of ['', 'abc', '-1', '+1', '0', '00', '01', '1.5', '1e3', ' 1', '1 ', '2147483648', '99999999999', '0x1', '１', '%31', '1/']) {
    assert.equal(parseClientId(text), undefined, JSON.stringify(text));
  }
});
