// kit/poll.ts: the one poll-until-deadline loop of bench/, scripts/ and test/helpers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollUntil, waitUntil } from '../../kit/poll.js';

test('resolves with the first value that is not false or undefined', async () => {
  let calls = 0;
  const value = await pollUntil(() => (++calls >= 3 ? { port: 42 } : undefined), { timeoutMs: 5000, intervalMs: 1 });
  assert.deepEqual(value, { port: 42 });
  assert.equal(calls, 3);
  assert.equal(await pollUntil(async () => 0, { timeoutMs: 0, intervalMs: 1 }), 0, '0 is a value, not "not yet"');
});

test('gives up after the timeout, having probed at least once, and waitUntil says what it waited for', async () => {
  let calls = 0;
  const started = Date.now();
  assert.equal(await pollUntil(() => (calls++, false), { timeoutMs: 60, intervalMs: 10 }), undefined);
  assert.ok(Date.now() - started >= 60);
  assert.ok(calls >= 2 && calls <= 8, `${calls} probes`);
  let once = 0;
  assert.equal(await pollUntil(() => (once++, false), { timeoutMs: 0, intervalMs: 1000 }), undefined);
  assert.equal(once, 1);
  await assert.rejects(waitUntil('the moon is blue', () => false, 30, 5), /timed out after 30 ms waiting until the moon is blue/);
  await waitUntil('at once', () => true, 0);
});

test('waitFirst pauses before the first probe; a throwing probe rejects the poll', async () => {
  const started = Date.now();
  await pollUntil(() => true, { timeoutMs: 1000, intervalMs: 40, waitFirst: true });
  assert.ok(Date.now() - started >= 35);
  await assert.rejects(pollUntil(() => { throw new Error('broken probe'); }, { timeoutMs: 1000, intervalMs: 1 }), /broken probe/);
});
