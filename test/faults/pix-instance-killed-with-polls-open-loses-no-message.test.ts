// Fault: one API instance dies (SIGKILL) while Pix collectors have pulls open on it and messages
// keep coming. nginx re-sends a GET whose instance died to the other one, and a collector pulls
// again with the same interationId when a pull failed: what the lost answer held comes back.
// Every message is delivered exactly once, and the restarted instance serves pulls again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshIspb, runCollector } from '../helpers/pix.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let env: TestStack;
before(async () => {
  env = await startTestStack('fault_pix_kill_api', { apiEnv: { PIX_POLL_WAIT_MS: '2000' } });
});
after(async () => {
  await env?.stop();
});

const ISPBS = 4;
const BATCHES = 40;
const BATCH = 50;

test('when an instance is killed with pulls open, the collectors go on through the other one and every message is delivered exactly once', async () => {
  const [api01, api02] = env.stack.instances as [typeof env.stack.instances[0], typeof env.stack.instances[0]];
  const api02Pid = api02.pid;
  const ispbs = Array.from({ length: ISPBS }, () => freshIspb());
  const deadline = Date.now() + 90_000;
  let stop = false;
  const collectors = ispbs.flatMap((ispb) => Array.from({ length: 3 }, () => runCollector({ base: env.url, ispb, deadline }, () => stop)));
  // Let every collector open its stream and wait (nothing to deliver yet).
  await new Promise((resolve) => setTimeout(resolve, 500));
  const produce = async (from: number, to: number) => {
    for (let batch = from; batch < to; batch++) {
      await env.db.pool.query('SELECT pix_generate_messages($1, $2)', [ispbs[batch % ISPBS], BATCH]);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  await produce(0, BATCHES / 2);
  assert.equal(await api01.stop('SIGKILL'), null, 'api01 died from the signal');
  await produce(BATCHES / 2, (BATCHES * 3) / 4);
  await api01.start();
  await produce((BATCHES * 3) / 4, BATCHES);

  const total = BATCHES * BATCH;
  const received = async () => (await env.db.pool.query('SELECT count(*)::int AS n FROM pix_messages WHERE acked_at IS NOT NULL')).rows[0].n;
  // Delivered = acknowledged by a later pull (or by the DELETE at the stop).
  while ((await received()) < total - 12 * 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 500));
  stop = true;
  const reports = await Promise.all(collectors);

  const ids = reports.flatMap((r) => r.received.map((m) => m.endToEndId));
  const statuses: Record<string, number> = {};
  for (const report of reports) for (const [status, n] of Object.entries(report.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  assert.equal(new Set(ids).size, ids.length, `no message delivered twice (${ids.length - new Set(ids).size} repeats)`);
  assert.equal(ids.length, total, `every message delivered (${ids.length} of ${total}); statuses ${JSON.stringify(statuses)}`);
  const { rows } = await env.db.pool.query('SELECT count(*) FILTER (WHERE acked_at IS NULL)::int AS unacked, (SELECT count(*)::int FROM pix_streams) AS open FROM pix_messages');
  assert.deepEqual(rows[0], { unacked: 0, open: 0 }, 'everything acknowledged and every stream closed');
  assert.ok(api01.running && api02.running);
  assert.equal(api02.pid, api02Pid, 'api02 was not restarted');
  const failures = Object.entries(statuses).filter(([status]) => !['200', '204'].includes(status));
  console.log(`kill -9 api01 with pulls open: ${total} messages exactly once; statuses ${JSON.stringify(statuses)} (failures retried: ${JSON.stringify(failures)})`);
});
