// The long poll of src/pix/use-cases.ts against a scripted store and a recording responder: no
// sleep-polling, no missed wake-up, and what an aborted pull held goes back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../src/kernel/errors.js';
import { PixStreams, type PixStore, type PullResponder, type PullResult } from '../../../src/pix/use-cases.js';
import { StoreError } from '../../../src/kernel/store-error.js';
import { formatInterationId, parseInterationId, parseIspb, parseMessageCount } from '../../../src/pix/path-params.js';

class RecordingResponder implements PullResponder {
  answers: { status: string; type?: string; body?: string; headers?: readonly (readonly [string, string])[] }[] = [];
  finished = false;
  private abort: (() => void) | undefined;
  ok(json: string) { this.record('200 OK', 'application/json', json); }
  fail(code: ErrorCode) { this.record(`fail ${code}`); }
  send(status: string, type: string, body: string, headers?: readonly (readonly [string, string])[]) { this.record(status, type, body, headers); }
  json(status: string, body: string) { this.record(status, 'application/json', body); }
  noContent(headers?: readonly (readonly [string, string])[]) { this.record('204 No Content', undefined, undefined, headers); }
  onAbort(listener: () => void) { this.abort = listener; }
  clientGoesAway() { this.finished = true; this.abort?.(); }
  private record(status: string, type?: string, body?: string, headers?: readonly (readonly [string, string])[]) {
    assert.equal(this.finished, false, 'answered once, never after an abort');
    this.finished = true;
    this.answers.push({ status, type, body, headers });
  }
}

/** A store whose pull() answers are handed out by the test, one per call, in order. */
class ScriptedStore implements PixStore {
  pulls: { resolve: (r: PullResult | undefined) => void; reject: (e: unknown) => void; args: unknown[] }[] = [];
  released: [number, number][] = [];
  generate() { return Promise.resolve(1); }
  start() { return Promise.resolve(7); }
  close() { return Promise.resolve(0); }
  release(stream: number, pullNo: number) { this.released.push([stream, pullNo]); return Promise.resolve(1); }
  pull(...args: unknown[]) {
    return new Promise<PullResult | undefined>((resolve, reject) => this.pulls.push({ resolve, reject, args }));
  }
}

const none = (pullNo: number): PullResult => ({ pullNo, claimed: 0, messages: '', acknowledged: 0, expired: 0 });
const some = (pullNo: number, n: number): PullResult => ({ pullNo, claimed: n, messages: Array.from({ length: n }, (_, i) => `{"m":${i}}`).join(','), acknowledged: 0, expired: 0 });
const tick = () => new Promise((resolve) => setImmediate(resolve));
const events = { delivered() {}, acknowledged() {}, expired() {}, released() {}, wokenUp() {} };

function streams(store: PixStore, waitMs = 10_000) {
  return new PixStreams(store, { waitMs, leaseS: 60, maxStreams: 6 }, events);
}

test('a pull with nothing waits without querying again until a notification for its ISPB wakes it', async () => {
  const store = new ScriptedStore();
  const pix = streams(store);
  const responder = new RecordingResponder();
  pix.pull('12345678', '7-0', 'multipart/json', responder);
  store.pulls[0]!.resolve(none(1));
  await tick();
  assert.equal(pix.polls, 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(store.pulls.length, 1, 'no re-query while nothing is notified');
  pix.wake('87654321');
  assert.equal(store.pulls.length, 1, 'another ISPB does not wake it');
  pix.wake('12345678');
  assert.equal(store.pulls.length, 2);
  assert.deepEqual(store.pulls[1]!.args.slice(0, 4), [7, '12345678', 0, 10], 'the same pull again: seen 0, up to 10');
  store.pulls[1]!.resolve(some(1, 3));
  await tick();
  assert.equal(responder.answers[0]!.status, '200 OK');
  assert.equal(responder.answers[0]!.type, 'multipart/json');
  assert.equal(responder.answers[0]!.body, '[{"m":0},{"m":1},{"m":2}]');
  assert.deepEqual(responder.answers[0]!.headers, [['Pull-Next', '/api/pix/12345678/stream/7-1']]);
  assert.equal(pix.polls, 0);
});

test('a notification that arrives while the claim is in flight is not lost: the pull claims again when that claim comes back empty', async () => {
  const store = new ScriptedStore();
  const pix = streams(store);
  const responder = new RecordingResponder();
  pix.pull('12345678', '7-0', '', responder);
  pix.wake('12345678'); // the commit landed after the claim's snapshot, its NOTIFY before the claim's answer
  store.pulls[0]!.resolve(none(1));
  await tick();
  assert.equal(store.pulls.length, 2, 'claimed again at once');
  store.pulls[1]!.resolve(some(1, 1));
  await tick();
  assert.equal(responder.answers[0]!.status, '200 OK');
  assert.equal(responder.answers[0]!.type, 'application/json');
  assert.equal(responder.answers[0]!.body, '{"m":0}', 'one message, as an object');
});

test('the deadline answers 204 with Pull-Next, once, with one timer and no query', async () => {
  const store = new ScriptedStore();
  const pix = streams(store, 60);
  const responder = new RecordingResponder();
  pix.pull('12345678', '7-4', '', responder);
  store.pulls[0]!.resolve(none(5));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(store.pulls.length, 1);
  assert.deepEqual(responder.answers, [{ status: '204 No Content', type: undefined, body: undefined, headers: [['Pull-Next', '/api/pix/12345678/stream/7-5']] }]);
  assert.equal(pix.polls, 0);
});

test('a pull whose client goes away while its claim is in flight gives the claimed messages back, and answers nothing', async () => {
  const store = new ScriptedStore();
  const pix = streams(store);
  const responder = new RecordingResponder();
  pix.pull('12345678', '7-2', 'multipart/json', responder);
  responder.clientGoesAway();
  assert.equal(pix.polls, 0, 'out of the waiters at once');
  store.pulls[0]!.resolve(some(3, 4));
  await tick();
  assert.deepEqual(store.released, [[7, 3]], 'pull 3 of stream 7 released');
  assert.equal(responder.answers.length, 0);
});

test('a waiting pull whose client went away is not woken any more', async () => {
  const store = new ScriptedStore();
  const pix = streams(store);
  const responder = new RecordingResponder();
  pix.pull('12345678', '7-0', '', responder);
  store.pulls[0]!.resolve(none(1));
  await tick();
  responder.clientGoesAway();
  pix.wake('12345678');
  pix.wakeAll();
  assert.equal(store.pulls.length, 1);
  assert.equal(pix.polls, 0);
});

test('a failing first claim answers its error; a failing wake-up claim keeps the pull waiting for the next wake-up', async () => {
  const store = new ScriptedStore();
  const pix = streams(store);
  const first = new RecordingResponder();
  pix.pull('12345678', '7-0', '', first);
  store.pulls[0]!.reject(new StoreError(ErrorCode.DatabaseUnavailable, 'down'));
  await tick();
  assert.equal(first.answers[0]!.status, `fail ${ErrorCode.DatabaseUnavailable}`);

  const waiting = new RecordingResponder();
  pix.pull('12345678', '8-0', '', waiting);
  store.pulls[1]!.resolve(none(1));
  await tick();
  pix.wake('12345678');
  store.pulls[2]!.reject(new StoreError(ErrorCode.DatabaseUnavailable, 'down'));
  await tick();
  assert.equal(waiting.answers.length, 0, 'still waiting');
  pix.wakeAll(); // the LISTEN connection is back
  store.pulls[3]!.resolve(some(1, 1));
  await tick();
  assert.equal(waiting.answers[0]!.status, '200 OK');
});

test('draining answers every waiting pull 204 at once, and a later pull without waiting', async () => {
  const store = new ScriptedStore();
  const pix = streams(store);
  const responders = [new RecordingResponder(), new RecordingResponder()];
  pix.pull('12345678', '7-0', '', responders[0]!);
  pix.pull('11111111', '9-0', '', responders[1]!);
  for (const pull of store.pulls) pull.resolve(none(1));
  await tick();
  pix.drain();
  assert.deepEqual(responders.map((r) => r.answers[0]!.status), ['204 No Content', '204 No Content']);
  assert.equal(pix.polls, 0);
  const late = new RecordingResponder();
  pix.pull('12345678', '7-1', '', late);
  store.pulls[2]!.resolve(none(2));
  await tick();
  assert.equal(late.answers[0]!.status, '204 No Content', 'a pull that arrives while draining claims once and does not wait');
});

test('bad path segments never reach the store: ISPB not 8 digits is 400, an id that names no stream is 404', async () => {
  const store = new ScriptedStore();
  const pix = streams(store);
  for (const [ispb, id, expected] of [
    ['1234567', '7-0', ErrorCode.InvalidIspb],
    ['1234567a', '7-0', ErrorCode.InvalidIspb],
    ['12345678', '7', ErrorCode.StreamNotFound],
    ['12345678', '07-0', ErrorCode.StreamNotFound],
    ['12345678', '7-01', ErrorCode.StreamNotFound],
  ] as const) {
    const responder = new RecordingResponder();
    pix.pull(ispb, id, '', responder);
    assert.equal(responder.answers[0]!.status, `fail ${expected}`, `${ispb} ${id}`);
  }
  assert.equal(store.pulls.length, 0);
});

test('the path parsers: ISPB, message count, interationId', () => {
  assert.equal(parseIspb('00000000'), '00000000');
  assert.equal(parseIspb('0000000'), undefined);
  assert.equal(parseMessageCount('10000'), 10000);
  assert.equal(parseMessageCount('10001'), undefined);
  assert.equal(parseMessageCount('0'), undefined);
  assert.deepEqual(parseInterationId(formatInterationId(42, 3)), { stream: 42, seen: 3 });
  assert.equal(parseInterationId('42-'), undefined);
});
