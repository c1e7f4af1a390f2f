// The pix SQL functions on real Postgres: the stream limit under racing starts, claims with
// SKIP LOCKED, acknowledgement by the next pull, the lease expiry, and the notifications.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { CLOSE_STREAM, GENERATE_MESSAGES, PULL, RELEASE_PULL, START_STREAM } from '../../../src/pix/store-sql.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('pix_sql');
});
after(async () => {
  await db?.drop();
});

const HOLD = '60 seconds';
let counter = 10_000_000;
const ispb = () => String(++counter);

async function start(target: string, hold = HOLD): Promise<number> {
  const { rows } = await db.pool.query(START_STREAM, [target, 6, hold]);
  assert.equal(rows[0].status, 'ok');
  return Number(rows[0].stream_id);
}

async function pull(stream: number, target: string, seen: number, max = 10, hold = HOLD) {
  const { rows } = await db.pool.query(PULL, [stream, target, seen, max, hold]);
  return rows[0] as { status: string; pull_no: number; claimed: number; messages: string | null; acknowledged: number; expired: number };
}

test('20 starts racing on 20 connections open exactly 6 streams, in slots 1 to 6', async () => {
  const target = ispb();
  const clients = await Promise.all(Array.from({ length: 20 }, async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    return client;
  }));
  try {
    const results = await Promise.all(clients.map((client) => client.query(START_STREAM, [target, 6, HOLD])));
    const statuses = results.map((r) => r.rows[0].status);
    assert.equal(statuses.filter((s) => s === 'ok').length, 6);
    assert.equal(statuses.filter((s) => s === 'stream_limit').length, 14);
    const { rows } = await db.pool.query('SELECT slot FROM pix_streams WHERE ispb = $1 ORDER BY slot', [target]);
    assert.deepEqual(rows.map((r) => r.slot), [1, 2, 3, 4, 5, 6]);
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
});

test('concurrent pulls of different streams claim disjoint messages (SKIP LOCKED), and the next pull acknowledges the previous one', async () => {
  const target = ispb();
  await db.pool.query(GENERATE_MESSAGES, [target, 100]);
  const streams = await Promise.all(Array.from({ length: 6 }, () => start(target)));
  const pulls = await Promise.all(streams.map((stream) => pull(stream, target, 0)));
  const ids = pulls.flatMap((p) => JSON.parse(`[${p.messages ?? ''}]`).map((m: { endToEndId: string }) => m.endToEndId));
  assert.equal(ids.length, 60);
  assert.equal(new Set(ids).size, 60, 'no message in two streams');
  const next = await pull(streams[0]!, target, 1);
  assert.equal(next.acknowledged, 10);
  assert.equal(next.pull_no, 2);
  assert.equal((await pull(streams[0]!, target, 3)).status, 'stream_not_found', 'a pull number ahead of the stream names no stream');
});

test('a stream not pulled within its lease is closed by the next start or pull of its ISPB: its slot frees and its unacknowledged messages come back, notified', async () => {
  const target = ispb();
  await db.pool.query(GENERATE_MESSAGES, [target, 5]);
  const short = await start(target, '50 milliseconds');
  assert.equal((await pull(short, target, 0, 10, '50 milliseconds')).claimed, 5);
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  const notified: string[] = [];
  listener.on('notification', (n) => notified.push(n.payload ?? ''));
  await listener.query('LISTEN pix');
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const other = await start(target);
    const answer = await pull(other, target, 0);
    assert.equal(answer.claimed, 5, 'the expired stream\'s five reach another stream');
    assert.equal((await pull(short, target, 1)).status, 'stream_not_found');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(notified.includes(target), 'the expiry notified the ISPB');
    const { rows } = await db.pool.query('SELECT max(deliveries)::int AS most FROM pix_messages WHERE ispb = $1', [target]);
    assert.equal(rows[0].most, 2);
  } finally {
    await listener.end();
  }
});

test('a released pull\'s messages are available again; DELETE acknowledges what was received and frees the slot', async () => {
  const target = ispb();
  await db.pool.query(GENERATE_MESSAGES, [target, 3]);
  const stream = await start(target);
  assert.equal((await pull(stream, target, 0)).claimed, 3);
  assert.equal((await db.pool.query(RELEASE_PULL, [stream, 1])).rows[0].released, 3);
  const again = await pull(stream, target, 0);
  assert.equal(again.claimed, 3);
  const closed = await db.pool.query(CLOSE_STREAM, [stream, target, 1]);
  assert.deepEqual(closed.rows[0], { status: 'ok', acknowledged: 3 });
  assert.equal((await db.pool.query(CLOSE_STREAM, [stream, target, 1])).rows[0].status, 'stream_not_found');
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM pix_streams WHERE ispb = $1', [target]);
  assert.equal(rows[0].n, 0);
});

test('the generator writes in one statement and refuses what the service never sends with SQLSTATE 22023', async () => {
  const target = ispb();
  assert.equal((await db.pool.query(GENERATE_MESSAGES, [target, 10_000])).rows[0].created, 10_000);
  for (const [bad, count] of [['1234567', 1], [target, 0], [target, 10_001]] as const) {
    await assert.rejects(db.pool.query(GENERATE_MESSAGES, [bad, count]), (error: { code?: string }) => error.code === '22023');
  }
});
