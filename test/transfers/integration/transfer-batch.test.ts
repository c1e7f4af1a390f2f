// transfer_batch (natural batching of POST /transfer) and transfer_replay on real Postgres: a
// batch gives each item transfer()'s outcome (the same inputs sent one by one through transfer()
// on a twin set of accounts end in the same balances and lines), each item seeing the ones before
// it; two batches over the same accounts in opposite orders never deadlock; a stored answer is
// found without doing anything.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { cnpj, cpf } from '../../helpers/transfers.js';
import { TRANSFER_BATCH, TRANSFER_REPLAY } from '../../../src/transfers/store-sql.js';

let db: TestDatabase;
const token = (id: number) => createHash('sha256').update(`token-${id}`).digest();
const hash = (text: string) => createHash('sha256').update(text).digest();

async function user(id: number, cents: number, kind = 'common'): Promise<void> {
  await db.pool.query('INSERT INTO clientes (id, limite, saldo) VALUES ($1, 0, $2)', [id, cents]);
  await db.pool.query('INSERT INTO users (id, full_name, document, email, password_hash, kind) VALUES ($1, $4, $2, $3, $5, $6)', [id, kind === 'merchant' ? cnpj(id) : cpf(id), `u${id}@x.com`, 'u', 'x', kind]);
  await db.pool.query("INSERT INTO tokens (hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')", [token(id), id]);
}

interface Item { from: number; to: number; cents: number; as?: number }

function batch(items: Item[]) {
  return [items.map((i) => token(i.as ?? i.from)), items.map((i) => i.from), items.map((i) => i.to), items.map((i) => i.cents)];
}

async function saldos(...ids: number[]): Promise<number[]> {
  const { rows } = await db.pool.query('SELECT saldo::int AS saldo FROM clientes WHERE id = ANY($1) ORDER BY id', [ids]);
  return rows.map((r) => r.saldo);
}

before(async () => {
  db = await createTestDatabase('transfer_batch');
  await user(6001, 100);
  await user(6002, 0);
  await user(6003, 50);
  await user(6004, 0, 'merchant');
});
after(async () => {
  await db?.drop();
});

test('a batch applies its transfers in order with transfer()\'s outcomes, one row each in input order, each seeing the balances before it', async () => {
  const { rows } = await db.pool.query(TRANSFER_BATCH, batch([
    { from: 6001, to: 6002, cents: 80 },          // ok: 6001 100 -> 20
    { from: 6001, to: 6003, cents: 30 },          // insufficient: only 20 left
    { from: 6002, to: 6003, cents: 80 },          // ok: the 80 just received
    { from: 6003, to: 6001, cents: 1, as: 6002 }, // token of another user
    { from: 6004, to: 6001, cents: 1 },           // a merchant pays nobody
    { from: 6003, to: 6004, cents: 130 },         // ok: 50 + 80
  ]));
  assert.deepEqual(rows.map((r) => r.status), ['ok', 'insufficient_balance', 'ok', 'token_not_payer', 'payer_is_merchant', 'ok']);
  assert.deepEqual(await saldos(6001, 6002, 6003, 6004), [20, 0, 0, 130]);
  const { rows: moved } = await db.pool.query('SELECT count(*)::int AS transfers, (SELECT count(*)::int FROM notifications) AS notifications FROM transfers');
  assert.deepEqual(moved[0], { transfers: 3, notifications: 3 });
});

test('a batch and the same transfers one by one through transfer() give the same outcomes, balances, statement lines and notifications', async () => {
  // Twin accounts: 7001..7004 take the batch, 8001..8004 the same items through transfer().
  const start = [300, 0, 40, 0];
  for (const [k, cents] of start.entries()) {
    await user(7001 + k, cents, k === 3 ? 'merchant' : 'common');
    await user(8001 + k, cents, k === 3 ? 'merchant' : 'common');
  }
  await db.pool.query('UPDATE tokens SET revoked_at = now() WHERE user_id IN (7003, 8003)');
  const items = (base: number): Item[] => [
    { from: base + 1, to: base + 2, cents: 100 },
    { from: base + 3, to: base + 1, cents: 10 },              // revoked token
    { from: base + 2, to: base + 4, cents: 60 },
    { from: base + 1, to: base + 9, cents: 1 },               // no such payee
    { from: base + 1, to: base + 2, cents: 250 },             // insufficient: 200 left
    { from: base + 2, to: base + 1, cents: 40 },
    { from: base + 1, to: base + 2, cents: 1, as: base + 2 }, // the payee's token
  ];
  const batched = (await db.pool.query(TRANSFER_BATCH, batch(items(7000)))).rows;
  const single: string[] = [];
  for (const item of items(8000)) {
    single.push((await db.pool.query('SELECT status FROM transfer($1, $2, $3, $4, NULL, NULL)', [token(item.as ?? item.from), item.from, item.to, item.cents])).rows[0].status);
  }
  assert.deepEqual(batched.map((r) => r.status), single);
  assert.deepEqual(single, ['ok', 'unauthenticated', 'ok', 'payee_not_found', 'insufficient_balance', 'ok', 'token_not_payer']);
  assert.deepEqual(await saldos(7001, 7002, 7003, 7004), await saldos(8001, 8002, 8003, 8004));
  const lines = async (base: number) =>
    (await db.pool.query(
      "SELECT cliente_id - $1 AS account, seq, tipo, valor, regexp_replace(descricao, '[0-9]+', '') AS d FROM transacoes WHERE cliente_id BETWEEN $1 + 1 AND $1 + 4 ORDER BY 1, 2",
      [base],
    )).rows;
  assert.deepEqual(await lines(7000), await lines(8000));
  const { rows: [ok] } = await db.pool.query(
    'SELECT count(*)::int AS transfers, count(n.id)::int AS notified, count(DISTINCT t.id)::int AS distinct_ids FROM transfers t LEFT JOIN notifications n ON n.transfer_id = t.id WHERE t.payer BETWEEN 7001 AND 7004');
  assert.deepEqual(ok, { transfers: 3, notified: 3, distinct_ids: 3 });
  assert.deepEqual(batched.filter((r) => r.status === 'ok').map((r) => [r.payer, r.payee, r.value]), [[7001, 7002, 100], [7002, 7004, 60], [7002, 7001, 40]]);
  assert.ok(batched.every((r) => r.replayed === false));
});

test('a refused item leaves no row and does not stop the items after it', async () => {
  const before = (await db.pool.query('SELECT count(*)::int AS n FROM transfers')).rows[0].n;
  const { rows } = await db.pool.query(TRANSFER_BATCH, batch([{ from: 6002, to: 6001, cents: 1_000_000 }, { from: 6003, to: 6001, cents: 0 + 1 }]));
  assert.equal(rows[0].status, 'insufficient_balance');
  assert.equal(rows[0].id, null);
  assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM transfers')).rows[0].n, before + (rows[1].status === 'ok' ? 1 : 0));
});

test('two batches over the same accounts in opposite orders on two connections both commit: no deadlock', async () => {
  await db.pool.query('UPDATE clientes SET saldo = 1000 WHERE id IN (6001, 6002, 6003)');
  const [a, b] = [await db.pool.connect(), await db.pool.connect()];
  try {
    await a.query('BEGIN');
    await a.query(TRANSFER_BATCH, batch([{ from: 6001, to: 6002, cents: 1 }, { from: 6003, to: 6001, cents: 1 }]));
    await b.query('BEGIN');
    const second = b.query(TRANSFER_BATCH, batch([{ from: 6003, to: 6002, cents: 2 }, { from: 6002, to: 6001, cents: 2 }])); // waits on a's locks
    await new Promise((resolve) => setTimeout(resolve, 200));
    await a.query('COMMIT');
    assert.deepEqual((await second).rows.map((r) => r.status), ['ok', 'ok']);
    await b.query('COMMIT');
  } finally {
    a.release();
    b.release();
  }
  assert.deepEqual(await saldos(6001, 6002, 6003), [1002, 1001, 997]);
});

test('arrays of different lengths are the caller\'s bug: SQLSTATE 22023, nothing written', async () => {
  const args = batch([{ from: 6001, to: 6002, cents: 1 }]);
  await assert.rejects(db.pool.query(TRANSFER_BATCH, [args[0], args[1], args[2], [1, 2]]), { code: '22023' });
  await assert.rejects(db.pool.query(TRANSFER_BATCH, batch([{ from: 6001, to: 6001, cents: 1 }])), { code: '22023' });
  await assert.rejects(db.pool.query(TRANSFER_BATCH, batch([{ from: 6001, to: 6002, cents: 0 }])), { code: '22023' });
});

test('transfer_replay finds a keyed transfer\'s first answer without moving anything; none for an unknown key or token; mismatch for another request', async () => {
  const { rows: [first] } = await db.pool.query('SELECT id, created_at FROM transfer($1, 6001, 6002, 3, $2, $3)', [token(6001), 'k-replay', hash('r')]);
  const before = await saldos(6001, 6002);
  const replay = async (id: number, key: string, request = 'r') => (await db.pool.query(TRANSFER_REPLAY, [token(id), key, hash(request)])).rows[0];
  const found = await replay(6001, 'k-replay');
  assert.deepEqual({ ...found }, { state: 'replay', status: 'ok', id: first.id, payer: 6001, payee: 6002, value: 3, created_at: first.created_at });
  assert.equal((await replay(6001, 'k-unknown')).state, 'none');
  assert.equal((await replay(6002, 'k-replay')).state, 'none', 'a key is scoped to its caller');
  assert.equal((await db.pool.query(TRANSFER_REPLAY, [hash('nobody'), 'k-replay', hash('r')])).rows[0].state, 'none');
  assert.equal((await replay(6001, 'k-replay', 'other')).state, 'mismatch');
  assert.deepEqual(await saldos(6001, 6002), before);
});
