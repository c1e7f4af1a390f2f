// The live ledger feed: snapshots only while someone watches, one query per tick for every
// watcher, never two at once, and a failed snapshot told to the watchers in words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventSink } from '../../../src/kernel/event-stream.js';
import { LedgerFeed } from '../../../src/console/ledger-feed.js';

const sink = (): EventSink & { chunks: string[] } => {
  const chunks: string[] = [];
  return { chunks, open: true, write: (chunk) => (chunks.push(chunk), true), onWritable() {}, end() {} };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const options = { intervalMs: 20, maxSubscribers: 8, heartbeatMs: 1000, retryMs: 2000, maxBehindMs: 1000 };

test('no snapshot is taken while nobody watches', async () => {
  let calls = 0;
  const feed = new LedgerFeed({ ledgerSnapshot: async () => (calls++, '{}') }, options);
  await sleep(60);
  assert.equal(calls, 0);
  assert.equal(feed.active, false);
});

test('watchers get a snapshot at once and then every interval, from one query per tick whatever their number', async () => {
  let calls = 0;
  const feed = new LedgerFeed({ ledgerSnapshot: async () => `{"n":${++calls}}` }, options);
  const watchers = [sink(), sink(), sink()];
  const unsubscribes = watchers.map((watcher) => feed.feed.subscribe(watcher)!);
  await sleep(5);
  assert.equal(calls, 1, 'the first watcher triggers a snapshot at once');
  await sleep(70);
  for (const unsubscribe of unsubscribes) unsubscribe();
  const taken = calls;
  assert.ok(taken >= 3, `${taken} snapshots`);
  for (const watcher of watchers) assert.equal(watcher.chunks.filter((c) => c.startsWith('event: snapshot')).length, taken);
  await sleep(60);
  assert.equal(calls, taken, 'the last watcher gone, snapshots stop');
  assert.equal(feed.active, false);
});

test('a snapshot slower than the interval is never overlapped by the next one', async () => {
  let inFlight = 0;
  let most = 0;
  const feed = new LedgerFeed(
    {
      async ledgerSnapshot() {
        most = Math.max(most, ++inFlight);
        await sleep(70);
        inFlight--;
        return '{}';
      },
    },
    options,
  );
  const unsubscribe = feed.feed.subscribe(sink())!;
  await sleep(200);
  unsubscribe();
  assert.equal(most, 1);
});

test('a failed snapshot is published as an unavailable event with the error body, and snapshots resume', async () => {
  let fail = true;
  const feed = new LedgerFeed(
    {
      async ledgerSnapshot() {
        if (fail) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return '{"ok":true}';
      },
    },
    options,
  );
  const watcher = sink();
  const unsubscribe = feed.feed.subscribe(watcher)!;
  await sleep(10);
  assert.deepEqual(watcher.chunks[0], 'event: unavailable\ndata: {"erro":"banco de dados indisponível"}\n\n');
  fail = false;
  await sleep(40);
  unsubscribe();
  assert.ok(watcher.chunks.includes('event: snapshot\ndata: {"ok":true}\n\n'));
});
