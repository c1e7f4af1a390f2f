// The console's read model on real Postgres: the snapshot statement matches the schema the
// OpenAPI document publishes, lists only open accounts, and its connection cannot write.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { loadConfig } from '../../../src/config.js';
import { LEDGER_SNAPSHOT_SCHEMA } from '../../../src/console/schemas.js';
import { PgConsoleStore } from '../../../src/console/store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

let db: TestDatabase;
let store: PgConsoleStore;
before(async () => {
  db = await createTestDatabase('console_snapshot');
  store = new PgConsoleStore(loadConfig({ DATABASE_URL: db.url }));
});
after(async () => {
  await store?.end();
  await db?.drop();
});

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
const validate = ajv.compile(LEDGER_SNAPSHOT_SCHEMA);

test('the snapshot of a fresh database matches the published schema: five open accounts, nothing moved', async () => {
  const snapshot = JSON.parse(await store.ledgerSnapshot());
  assert.ok(validate(snapshot), ajv.errorsText(validate.errors));
  assert.deepEqual(snapshot.accounts.map((a: { id: number }) => a.id), [1, 2, 3, 4, 5]);
  assert.deepEqual(snapshot.transactions, []);
  assert.deepEqual(snapshot.transfers, { count: 0, totalValue: 0, pendingNotifications: 0, deadNotifications: 0, newest: [] });
  assert.deepEqual(snapshot.pix, { openStreams: 0, receiversStreaming: 0, availableMessages: 0, unacknowledgedMessages: 0 });
});

test('the snapshot lists the newest transactions of open accounts only, newest first, with their balances', async () => {
  for (let i = 1; i <= 12; i++) await db.pool.query("SELECT * FROM transact($1, $2, 'c', $3)", [1 + (i % 2), i * 100, `t${i}`]);
  // A user's account (id 1000 and up) is private to its token: never listed.
  await db.pool.query("INSERT INTO clientes (id, limite) VALUES (1000, 0)");
  await db.pool.query("SELECT * FROM transact(1000, 5, 'c', 'private')");
  await db.pool.query("SELECT pix_generate_messages('12345678', 3)");
  const snapshot = JSON.parse(await store.ledgerSnapshot());
  assert.ok(validate(snapshot), ajv.errorsText(validate.errors));
  assert.equal(snapshot.transactions.length, 10);
  assert.deepEqual(snapshot.transactions.map((t: { descricao: string }) => t.descricao), ['t12', 't11', 't10', 't9', 't8', 't7', 't6', 't5', 't4', 't3']);
  assert.equal(snapshot.transactions[0].tipo, 'c');
  assert.ok(!snapshot.accounts.some((a: { id: number }) => a.id >= 1000));
  const saldo = (id: number) => snapshot.accounts.find((a: { id: number }) => a.id === id).saldo;
  assert.equal(saldo(1), 100 * (2 + 4 + 6 + 8 + 10 + 12));
  assert.equal(saldo(2), 100 * (1 + 3 + 5 + 7 + 9 + 11));
  assert.equal(snapshot.pix.availableMessages, 3);
});

test("the console's connection is read-only: a write through it is refused by Postgres", async () => {
  const pool = (store as unknown as { pool: import('pg').Pool }).pool;
  await assert.rejects(pool.query("UPDATE clientes SET saldo = 0 WHERE id = 1"), /read-only transaction/);
});
