// The pix SQL functions on real Postgres: the stream limit under racing starts, claims with
// SKIP LOCKED, acknowledgement by the next pull, the lease expiry, and the notifications.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { CLOSE_STREAM, GENERATE_MESSAGES, PULL, PULL_BATCH, RELEASE_PULL, START_STREAM } from '../../../src/pix/store-sql.js';

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

interface BatchRow { item: number; status: string; pull_no: number; claimed: number; messages: string | null; acknowledged: number; expired: number }

async function pullBatch(pulls: readonly { stream: number; ispb: string; seen: number; max?: number }[]): Promise<BatchRow[]> {
  const { rows } = await db.pool.query(PULL_BATCH, [
    pulls.map((p) => p.stream),
    pulls.map((p) => p.ispb),
    pulls.map((p) => p.seen),
    pulls.map((p) => p.max ?? 10),
    pulls.map(() => HOLD),
  ]);
  return (rows as BatchRow[]).sort((a, b) => a.item - b.item);
}

const endToEndIds = (messages: string | null): string[] => JSON.parse(`[${messages ?? ''}]`).map((m: { endToEndId: string }) => m.endToEndId);

test('a batch of pulls is each pull with its own outcome, in one call: disjoint claims, acknowledgements, and a gone stream that fails alone', async () => {
  const [first, second] = [ispb(), ispb()];
  await db.pool.query(GENERATE_MESSAGES, [first, 30]);
  await db.pool.query(GENERATE_MESSAGES, [second, 5]);
  const a = await start(first);
  const b = await start(first);
  const c = await start(second);
  // Named in descending stream order: the function locks in stream order, answers by item.
  const rows = await pullBatch([
    { stream: c, ispb: second, seen: 0 },
    { stream: b, ispb: first, seen: 0, max: 1 },
    { stream: 999_999_999, ispb: first, seen: 0 },
    { stream: a, ispb: first, seen: 0 },
  ]);
  assert.deepEqual(rows.map((r) => [r.item, r.status, r.claimed]), [[1, 'ok', 5], [2, 'ok', 1], [3, 'stream_not_found', 0], [4, 'ok', 10]]);
  const ids = rows.flatMap((r) => endToEndIds(r.messages));
  assert.equal(new Set(ids).size, 16, 'no message in two pulls');
  const next = await pullBatch([{ stream: a, ispb: first, seen: 1 }, { stream: b, ispb: first, seen: 1 }]);
  assert.deepEqual(next.map((r) => [r.pull_no, r.acknowledged, r.claimed]), [[2, 10, 10], [2, 1, 9]]);
});

test('the same stream twice in one batch is two pulls one after the other: the second, with the same number, takes back what the first claimed', async () => {
  const target = ispb();
  await db.pool.query(GENERATE_MESSAGES, [target, 4]);
  const stream = await start(target);
  const [once, twice] = await pullBatch([{ stream, ispb: target, seen: 0 }, { stream, ispb: target, seen: 0 }]);
  assert.equal(once!.claimed, 4);
  assert.equal(twice!.claimed, 4);
  assert.deepEqual(endToEndIds(twice!.messages).sort(), endToEndIds(once!.messages).sort());
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM pix_messages WHERE ispb = $1 AND pull_no = 1 AND acked_at IS NULL', [target]);
  assert.equal(rows[0].n, 4, 'each message claimed once, by the stream\'s pull 1');
});

test('a batch whose arrays differ in length is refused with SQLSTATE 22023, and an empty batch answers nothing', async () => {
  await assert.rejects(db.pool.query(PULL_BATCH, [[1, 2], ['10000001'], [0, 0], [10, 10], [HOLD, HOLD]]), (error: { code?: string }) => error.code === '22023');
  assert.deepEqual((await db.pool.query(PULL_BATCH, [[], [], [], [], []])).rows, []);
});

test('the generator writes in one statement and refuses what the service never sends with SQLSTATE 22023', async () => {
  const target = ispb();
  assert.equal((await db.pool.query(GENERATE_MESSAGES, [target, 10_000])).rows[0].created, 10_000);
  for (const [bad, count] of [['1234567', 1], [target, 0], [target, 10_001]] as const) {
    await assert.rejects(db.pool.query(GENERATE_MESSAGES, [bad, count]), (error: { code?: string }) => error.code === '22023');
  }
});
