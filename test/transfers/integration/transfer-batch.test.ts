// transfer_batch (natural batching of POST /transfer) and transfer_replay on real Postgres: a
// batch is transfer() item by item in one transaction, each item seeing the ones before it; two
// batches over the same accounts in opposite orders never deadlock; a stored answer is found
// without doing anything.
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

interface Item { from: number; to: number; cents: number; as?: number; key?: string; request?: string }

function batch(items: Item[]) {
  return [
    items.map((i) => token(i.as ?? i.from)),
    items.map((i) => i.from),
    items.map((i) => i.to),
    items.map((i) => i.cents),
    items.map((i) => i.key ?? null),
    items.map((i) => (i.key === undefined ? null : hash(i.request ?? 'r'))),
  ];
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

test('the same key twice in one batch moves once: the second item replays the first', async () => {
  const { rows } = await db.pool.query(TRANSFER_BATCH, batch([
    { from: 6004, to: 6001, cents: 5, key: 'same' }, // merchant: refused, and the refusal is stored
    { from: 6004, to: 6001, cents: 5, key: 'same' },
    { from: 6001, to: 6002, cents: 5, key: 'k-twice' },
    { from: 6001, to: 6002, cents: 5, key: 'k-twice' },
    { from: 6001, to: 6002, cents: 6, key: 'k-twice', request: 'other' },
  ]));
  assert.deepEqual(rows.map((r) => [r.status, r.replayed]), [
    ['payer_is_merchant', false], ['payer_is_merchant', true], ['ok', false], ['ok', true], ['key_reused', false],
  ]);
  assert.equal(rows[3].id, rows[2].id);
  assert.deepEqual(await saldos(6001, 6002, 6004), [15, 5, 130], '6001 -> 6002 moved 5 once; the merchant nothing');
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
  args[3] = [1, 2];
  await assert.rejects(db.pool.query(TRANSFER_BATCH, args), { code: '22023' });
});

test('transfer_replay finds a keyed transfer\'s first answer without moving anything; none for an unknown key or token; mismatch for another request', async () => {
  const { rows: [first] } = await db.pool.query(TRANSFER_BATCH, batch([{ from: 6001, to: 6002, cents: 3, key: 'k-replay' }]));
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
