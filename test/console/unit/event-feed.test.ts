// The server-sent events feed: bounded subscribers, the newest event to each newcomer, a
// heartbeat, slow subscribers skipped then dropped, and every stream ended on drain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventFeed, formatEvent, HEARTBEAT, type EventSink } from '../../../src/kernel/event-stream.js';

class RecordingSink implements EventSink {
  chunks: string[] = [];
  open = true;
  /** While true, writes report buffering (the client is behind). */
  behind = false;
  private writable: (() => void) | undefined;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return !this.behind;
  }
  onWritable(listener: () => void): void {
    this.writable = listener;
  }
  end(): void {
    this.open = false;
  }
  /** The client caught up. */
  drained(): void {
    this.behind = false;
    this.writable?.();
  }
}

const options = { maxSubscribers: 2, heartbeatMs: 20, retryMs: 2000, maxBehindMs: 50 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('an event is written as event and data lines ending with a blank line, one data line per line', () => {
  assert.equal(formatEvent('files', '{"a":1}'), 'event: files\ndata: {"a":1}\n\n');
  assert.equal(formatEvent('x', 'one\ntwo'), 'event: x\ndata: one\ndata: two\n\n');
  assert.throws(() => formatEvent('a\nb', ''));
});

test('a feed refuses the subscriber beyond its bound, and has room again once one leaves', () => {
  const feed = new EventFeed(options);
  const first = feed.subscribe(new RecordingSink())!;
  assert.ok(feed.subscribe(new RecordingSink()));
  assert.equal(feed.full, true);
  assert.equal(feed.subscribe(new RecordingSink()), undefined);
  first();
  assert.equal(feed.size, 1);
  assert.ok(feed.subscribe(new RecordingSink()));
  feed.closeAll();
});

test('a new subscriber starts with the retry hint and the newest event, and gets every later one', () => {
  const feed = new EventFeed(options);
  const early = new RecordingSink();
  feed.subscribe(early);
  assert.equal(feed.opening(), 'retry: 2000\n\n');
  feed.publish('snapshot', '1');
  feed.publish('snapshot', '2');
  assert.equal(feed.opening(), 'retry: 2000\n\nevent: snapshot\ndata: 2\n\n');
  assert.deepEqual(early.chunks, ['event: snapshot\ndata: 1\n\n', 'event: snapshot\ndata: 2\n\n']);
  feed.closeAll();
});

test('the first subscriber makes the feed active and the last one leaving makes it idle, forgetting its newest event', () => {
  const calls: string[] = [];
  const feed = new EventFeed({ ...options, onActive: () => calls.push('active'), onIdle: () => calls.push('idle') });
  const a = feed.subscribe(new RecordingSink())!;
  const b = feed.subscribe(new RecordingSink())!;
  feed.publish('snapshot', 'old');
  a();
  assert.deepEqual(calls, ['active']);
  b();
  b(); // twice is harmless
  assert.deepEqual(calls, ['active', 'idle']);
  assert.equal(feed.opening(), 'retry: 2000\n\n', 'a stale snapshot is never the first thing a new watcher sees');
});

test('a quiet feed sends a heartbeat comment to each subscriber, and stops when none is left', async () => {
  const feed = new EventFeed(options);
  const sink = new RecordingSink();
  const unsubscribe = feed.subscribe(sink)!;
  // Timers run late on a busy machine: wait for two beats, up to 2 s.
  for (let waited = 0; sink.chunks.filter((chunk) => chunk === HEARTBEAT).length < 2 && waited < 2000; waited += 10) await sleep(10);
  assert.ok(sink.chunks.filter((chunk) => chunk === HEARTBEAT).length >= 2, sink.chunks.join('|'));
  unsubscribe();
  const count = sink.chunks.length;
  await sleep(50);
  assert.equal(sink.chunks.length, count);
});

test('a subscriber that falls behind skips events, then gets only the newest once it caught up', () => {
  const feed = new EventFeed({ ...options, maxBehindMs: 10_000 });
  const slow = new RecordingSink();
  feed.subscribe(slow);
  slow.behind = true;
  feed.publish('snapshot', '1'); // buffered by the socket
  feed.publish('snapshot', '2'); // skipped
  feed.publish('snapshot', '3'); // skipped
  assert.deepEqual(slow.chunks, ['event: snapshot\ndata: 1\n\n']);
  slow.drained();
  assert.deepEqual(slow.chunks.at(-1), 'event: snapshot\ndata: 3\n\n');
  assert.equal(slow.chunks.length, 2);
  feed.closeAll();
});

test('a subscriber that stays behind longer than the bound is ended and removed', async () => {
  const feed = new EventFeed(options);
  const stuck = new RecordingSink();
  feed.subscribe(stuck);
  stuck.behind = true;
  feed.publish('snapshot', '1');
  await sleep(80);
  feed.publish('snapshot', '2');
  assert.equal(stuck.open, false);
  assert.equal(feed.size, 0);
});

test('closeAll ends every stream (the drain) and leaves the feed empty', () => {
  const feed = new EventFeed(options);
  const sinks = [new RecordingSink(), new RecordingSink()];
  for (const sink of sinks) feed.subscribe(sink);
  feed.closeAll();
  assert.deepEqual(sinks.map((sink) => sink.open), [false, false]);
  assert.equal(feed.size, 0);
});

test('a subscriber whose stream closed by itself (the client left) is removed at the next write', () => {
  const feed = new EventFeed(options);
  const gone = new RecordingSink();
  feed.subscribe(gone);
  gone.open = false;
  feed.publish('snapshot', '1');
  assert.equal(feed.size, 0);
  assert.deepEqual(gone.chunks, []);
});
