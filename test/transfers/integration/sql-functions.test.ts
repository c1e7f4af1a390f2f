// The transfers' SQL functions on real Postgres, driven over two connections to pin what only
// concurrency shows: opposite transfers wait, never deadlock; a key whose first request is still
// running answers at once; a claimed notification is leased, skipped by other claims, and due
// again when its lease ends.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { cpf } from '../../helpers/transfers.js';

let db: TestDatabase;
const token = (id: number) => createHash('sha256').update(`token-${id}`).digest();
const hash = (text: string) => createHash('sha256').update(text).digest();

async function user(id: number, cents: number): Promise<void> {
  await db.pool.query('INSERT INTO clientes (id, limite, saldo) VALUES ($1, 0, $2)', [id, cents]);
  await db.pool.query("INSERT INTO users (id, full_name, document, email, password_hash, kind) VALUES ($1, 'u', $2, $3, 'x', 'common')", [id, cpf(id), `u${id}@x.com`]);
  await db.pool.query("INSERT INTO tokens (hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')", [token(id), id]);
}

before(async () => {
  db = await createTestDatabase('transfers_sql');
  await user(5001, 1000);
  await user(5002, 1000);
});
after(async () => {
  await db?.drop();
});

const TRANSFER = 'SELECT status, id FROM transfer($1, $2, $3, $4, $5, $6)';

async function inTransaction(client: pg.PoolClient, text: string, values: unknown[]): Promise<pg.QueryResult> {
  await client.query('BEGIN');
  return client.query(text, values);
}

test('opposite transfers on two connections wait for each other\'s locks and both commit: no deadlock', async () => {
  const [a, b] = [await db.pool.connect(), await db.pool.connect()];
  try {
    const first = await inTransaction(a, TRANSFER, [token(5001), 5001, 5002, 10, null, null]);
    assert.equal(first.rows[0].status, 'ok');
    await b.query('BEGIN');
    const second = b.query(TRANSFER, [token(5002), 5002, 5001, 20, null, null]); // waits on 5001's row
    await new Promise((resolve) => setTimeout(resolve, 200));
    await a.query('COMMIT');
    assert.equal((await second).rows[0].status, 'ok');
    await b.query('COMMIT');
  } finally {
    a.release();
    b.release();
  }
  const { rows } = await db.pool.query('SELECT id, saldo::int AS saldo FROM clientes WHERE id IN (5001, 5002) ORDER BY id');
  assert.deepEqual(rows, [{ id: 5001, saldo: 1010 }, { id: 5002, saldo: 990 }]);
});

test('a key whose first request has not committed answers key_in_progress at once, then replays after the commit', async () => {
  const [a, b] = [await db.pool.connect(), await db.pool.connect()];
  try {
    const first = await inTransaction(a, TRANSFER, [token(5001), 5001, 5002, 5, 'k-running', hash('r1')]);
    assert.equal(first.rows[0].status, 'ok');
    const startedAt = Date.now();
    const during = await b.query(TRANSFER, [token(5001), 5001, 5002, 5, 'k-running', hash('r1')]);
    assert.equal(during.rows[0].status, 'key_in_progress');
    assert.ok(Date.now() - startedAt < 1000, 'not blocked behind the first');
    await a.query('COMMIT');
    const replay = await b.query('SELECT status, id, replayed FROM transfer($1, $2, $3, $4, $5, $6)', [token(5001), 5001, 5002, 5, 'k-running', hash('r1')]);
    assert.deepEqual(replay.rows[0], { status: 'ok', id: first.rows[0].id, replayed: true });
    const other = await b.query(TRANSFER, [token(5001), 5001, 5002, 6, 'k-running', hash('r2')]);
    assert.equal(other.rows[0].status, 'key_reused');
  } finally {
    a.release();
    b.release();
  }
});

test('a rolled-back transfer leaves no key, no transfer and no notification', async () => {
  const client = await db.pool.connect();
  try {
    await inTransaction(client, TRANSFER, [token(5001), 5001, 5002, 7, 'k-rolled-back', hash('x')]);
    await client.query('ROLLBACK');
  } finally {
    client.release();
  }
  const { rows } = await db.pool.query("SELECT (SELECT count(*) FROM idempotency_keys WHERE key = 'k-rolled-back')::int AS keys, (SELECT count(*) FROM transfers WHERE value = 7)::int AS transfers");
  assert.deepEqual(rows[0], { keys: 0, transfers: 0 });
});

test('a claimed notification is leased: other claims skip it, and it is due again when the lease ends', async () => {
  await db.pool.query("UPDATE notifications SET state = 'delivered', delivered_at = now()");
  await db.pool.query(TRANSFER, [token(5001), 5001, 5002, 3, null, null]);
  const claim = (leaseMs: number) => db.pool.query('SELECT id, attempts FROM claim_notifications(10, $1)', [leaseMs]);
  const first = await claim(300);
  assert.equal(first.rows.length, 1);
  assert.equal(first.rows[0].attempts, 1);
  assert.equal((await claim(300)).rows.length, 0, 'leased: not claimed twice');
  await new Promise((resolve) => setTimeout(resolve, 400));
  const again = await claim(300);
  assert.deepEqual(again.rows.map((r) => [r.id, r.attempts]), [[first.rows[0].id, 2]], 'a dead worker\'s claim comes back, same id');
  // A failure recorded by the first, expired claim is ignored: the row belongs to the second.
  const stale = await db.pool.query('SELECT record_notification_attempts($1::uuid[], $2::int[], $3::bool[], $4::text[], 3, 10, 100) AS died', [[first.rows[0].id], [1], [false], ['late']]);
  assert.equal(stale.rows[0].died, 0);
  const died = await db.pool.query('SELECT record_notification_attempts($1::uuid[], $2::int[], $3::bool[], $4::text[], 2, 10, 100) AS died', [[first.rows[0].id], [2], [false], ['status 504']]);
  assert.equal(died.rows[0].died, 1, 'the 2nd of 2 attempts failed: dead');
  assert.equal((await db.pool.query('SELECT requeue_notification($1) AS ok', [first.rows[0].id])).rows[0].ok, true);
  assert.equal((await claim(300)).rows[0].attempts, 1, 're-queued with a fresh budget');
});
