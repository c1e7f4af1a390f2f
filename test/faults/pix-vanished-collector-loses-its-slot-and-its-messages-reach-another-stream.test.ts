// Fault: a Pix collector vanishes mid-stream (it stops pulling, without a DELETE). After its
// lease (PIX_STREAM_LEASE_S, 2 s here) the service closes its stream: its slot is free again,
// its id answers 404, and the messages it received but never acknowledged reach another stream
// (the one redelivery of part E). Nothing is lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from '../helpers/http.js';
import { installContract, OpenApiContract } from '../helpers/openapi-contract.js';
import { closeStream, freshIspb, generateOrFail, pullPath, startStream, type PixMessage } from '../helpers/pix.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const LEASE_S = 2;
const WAIT_MS = 1000;

let env: TestStack;
before(async () => {
  env = await startTestStack('fault_pix_lease', { apiEnv: { PIX_STREAM_LEASE_S: String(LEASE_S), PIX_POLL_WAIT_MS: String(WAIT_MS) } });
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  installContract(undefined);
  await env?.stop();
});

test('a collector that vanishes mid-stream loses its stream after the lease, and the messages it never acknowledged reach another stream; nothing is lost', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 30);
  const vanished = await startStream(env.url, ispb, 'multipart');
  assert.equal(vanished.messages.length, 10);
  const held = new Set(vanished.messages.map((m) => m.endToEndId));

  // Another collector drains the rest, then keeps pulling: after the lease, the vanished
  // collector's ten come to it.
  const received: PixMessage[] = [];
  let answer = await startStream(env.url, ispb, 'multipart');
  const startedAt = Date.now();
  received.push(...answer.messages);
  while (received.length < 30 && Date.now() - startedAt < (WAIT_MS + LEASE_S * 1000) * 4) {
    answer = await pullPath(env.url, answer.pullNext, 'multipart');
    assert.ok(answer.status === 200 || answer.status === 204, `${answer.status} ${answer.text}`);
    received.push(...answer.messages);
  }
  const redeliveredAfter = Date.now() - startedAt;
  const ids = received.map((m) => m.endToEndId);
  assert.equal(new Set(ids).size, ids.length, 'no message twice in the surviving stream');
  assert.equal(ids.length, 30, `all 30 reached the surviving stream (${ids.length})`);
  assert.ok([...held].every((id) => ids.includes(id)), 'the vanished collector\'s ten among them');
  assert.ok(redeliveredAfter >= LEASE_S * 1000, `not before the lease (${redeliveredAfter} ms)`);

  // The vanished collector's stream is closed: its id is 404, and its slot is free.
  assert.equal((await pullPath(env.url, vanished.pullNext)).status, 404);
  const { rows } = await env.db.pool.query('SELECT count(*)::int AS n FROM pix_streams WHERE ispb = $1', [ispb]);
  assert.equal(rows[0].n, 1, 'only the surviving stream is open');
  assert.equal((await closeStream(env.url, answer.pullNext)).status, 200);
  const { rows: counts } = await env.db.pool.query(
    'SELECT count(*) FILTER (WHERE acked_at IS NOT NULL)::int AS acked, count(*) FILTER (WHERE deliveries = 2)::int AS twice FROM pix_messages WHERE ispb = $1',
    [ispb],
  );
  assert.deepEqual(counts[0], { acked: 30, twice: 10 }, 'all acknowledged; exactly the ten held were handed out twice');
  const metrics = await Promise.all(env.stack.instances.map(async (i) => (await request(`http://127.0.0.1:${i.port}/metrics`)).text));
  const redelivered = metrics.reduce((sum, text) => sum + Number(/^crebitos_pix_messages_redelivered_total (\d+)/m.exec(text)?.[1] ?? 0), 0);
  assert.equal(redelivered, 10, 'counted as redelivered after expiry');
  console.log(`lease ${LEASE_S} s: the vanished collector's 10 messages reached another stream ${redeliveredAfter} ms after it vanished`);
});

test('six collectors that vanish hold the ISPB\'s slots only until their lease: then a new start succeeds, even with nobody pulling meanwhile', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 6);
  const starts = await Promise.all(Array.from({ length: 6 }, () => startStream(env.url, ispb, 'json')));
  assert.ok(starts.every((s) => s.status === 200));
  assert.equal((await startStream(env.url, ispb, 'json')).status, 429);
  await new Promise((resolve) => setTimeout(resolve, WAIT_MS + LEASE_S * 1000 + 200));
  const again = await startStream(env.url, ispb, 'multipart');
  assert.equal(again.status, 200, 'a slot is free once the leases ran out');
  assert.equal(again.messages.length, 6, 'and the six unacknowledged messages are available again');
  assert.equal((await closeStream(env.url, again.pullNext)).status, 200);
});
