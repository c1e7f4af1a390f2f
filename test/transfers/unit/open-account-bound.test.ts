// The open-account bound is stated three times (the fast path's id-length test, isOpenAccountId,
// and SQL's is_open_account with the users_id_range constraint); this keeps them equal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FIRST_USER_ACCOUNT_ID, isOpenAccountId, mayBeOpenAccountText } from '../../../src/ledger/client-id.js';

const root = new URL('../../../../', import.meta.url);

test('ids below 1000 are open accounts in the service and in SQL, and user ids start at 1000', () => {
  assert.equal(FIRST_USER_ACCOUNT_ID, 1000);
  assert.ok(isOpenAccountId(999) && !isOpenAccountId(1000));
  assert.ok(mayBeOpenAccountText('999') && !mayBeOpenAccountText('1000'));
  assert.match(readFileSync(new URL('sql/functions/transfers/is_open_account.sql', root), 'utf8'), /RETURN p_id < 1000;/);
  const migration = readFileSync(new URL('sql/migrations/0002_transfers_schema.sql', root), 'utf8');
  assert.match(migration, /START WITH 1000 MINVALUE 1000/);
  assert.match(migration, /CHECK \(id BETWEEN 1000 AND 999999999\)/);
});
