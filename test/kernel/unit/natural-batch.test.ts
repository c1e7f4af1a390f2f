// kernel/natural-batch.ts: an item goes out alone while a call is free; items that wait go
// together in the next call; a failed batch is retried item by item so that only the faulty
// item fails; beyond the queue's bound items are refused at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../src/kernel/errors.js';
import { NaturalBatch } from '../../../src/kernel/natural-batch.js';
import { StoreError } from '../../../src/kernel/store-error.js';

/** Calls that stay pending until the test settles them, recording what each carried. */
function heldCalls() {
  const calls: { items: number[]; settle: (fail?: unknown) => void }[] = [];
  const held = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({ items, settle: (fail) => (fail === undefined ? resolve(items.map((n) => n * 10)) : reject(fail)) });
    });
  return {
    calls,
    one: (item: number) => held([item]).then((outcomes) => outcomes[0]!),
    many: (items: readonly number[]) => held([...items]),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('while a call is free an item goes out alone; the items that waited go together in the next call, each answered with its own outcome', async () => {
  const { calls, one, many } = heldCalls();
  const sizes: number[] = [];
  const batch = new NaturalBatch({ callsInFlight: 1, batchMax: 10, queueMax: 100 }, { one, many, onCall: (size) => sizes.push(size) });
  const answers = [1, 2, 3, 4].map((n) => batch.submit(n));
  assert.equal(batch.pending, 4);
  assert.deepEqual(calls.map((c) => c.items), [[1]]);
  calls[0]!.settle();
  await tick();
  assert.deepEqual(calls.map((c) => c.items), [[1], [2, 3, 4]]);
  calls[1]!.settle();
  assert.deepEqual(await Promise.all(answers), [10, 20, 30, 40]);
  assert.deepEqual(sizes, [1, 3]);
  assert.equal(batch.pending, 0);
});

test('a call takes at most batchMax waiting items, and callsInFlight calls run at once', async () => {
  const { calls, one, many } = heldCalls();
  const batch = new NaturalBatch({ callsInFlight: 2, batchMax: 2, queueMax: 100 }, { one, many });
  const answers = [1, 2, 3, 4, 5].map((n) => batch.submit(n));
  assert.deepEqual(calls.map((c) => c.items), [[1], [2]]);
  calls[0]!.settle();
  await tick();
  assert.deepEqual(calls.map((c) => c.items), [[1], [2], [3, 4]]);
  calls[1]!.settle();
  await tick();
  calls[2]!.settle();
  await tick();
  calls[3]!.settle();
  assert.deepEqual(await Promise.all(answers), [10, 20, 30, 40, 50]);
  assert.deepEqual(calls.map((c) => c.items), [[1], [2], [3, 4], [5]]);
});

test('a batch that fails goes again item by item, so only the faulty item fails; a database outage fails the whole batch at once', async () => {
  const { calls, one, many } = heldCalls();
  const batch = new NaturalBatch({ callsInFlight: 1, batchMax: 10, queueMax: 100 }, { one, many });
  const first = batch.submit(1);
  const waiting = [2, 3].map((n) => batch.submit(n).then((v) => v, (e: unknown) => e));
  calls[0]!.settle();
  await first;
  await tick();
  calls[1]!.settle(new StoreError(ErrorCode.Internal, 'bug in one item'));
  await tick();
  assert.deepEqual(calls.slice(2).map((c) => c.items), [[2], [3]]);
  calls[2]!.settle();
  calls[3]!.settle(new StoreError(ErrorCode.Internal, 'item 3 is the faulty one'));
  const [two, three] = await Promise.all(waiting);
  assert.equal(two, 20);
  assert.equal((three as StoreError).message, 'item 3 is the faulty one');

  const fourth = batch.submit(4);
  const outage = [5, 6].map((n) => batch.submit(n).then((v) => v, (e: unknown) => e));
  calls[4]!.settle();
  await fourth;
  await tick();
  calls[5]!.settle(new StoreError(ErrorCode.DatabaseUnavailable, 'down'));
  for (const error of await Promise.all(outage)) assert.equal((error as StoreError).code, ErrorCode.DatabaseUnavailable);
  assert.equal(calls.length, 6, 'no retry item by item against a database that is down');
});

test('beyond queueMax waiting items a new one is refused at once as Overloaded, without a call', async () => {
  const { calls, one, many } = heldCalls();
  const batch = new NaturalBatch({ callsInFlight: 1, batchMax: 10, queueMax: 1 }, { one, many });
  void batch.submit(1);
  void batch.submit(2);
  await assert.rejects(batch.submit(3), (error: StoreError) => error.code === ErrorCode.Overloaded);
  assert.equal(calls.length, 1);
});

test('a batch call that answers fewer outcomes than items fails only the items left without one', async () => {
  const batch = new NaturalBatch<number, number>(
    { callsInFlight: 1, batchMax: 10, queueMax: 10 },
    { one: async (n) => { await tick(); return n; }, many: async (items) => items.slice(0, 1) },
  );
  const all = [1, 2, 3].map((n) => batch.submit(n).then((v) => v, (e: unknown) => e));
  const [a, b, c] = await Promise.all(all);
  assert.equal(a, 1);
  assert.equal(b, 2);
  assert.equal((c as StoreError).code, ErrorCode.Internal);
});
