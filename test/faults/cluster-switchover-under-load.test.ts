// A planned switchover under load (the primary is drained, the third member sits out the leader
// race, then Patroni's REST API hands the primary to its synchronous standby): writes pause for
// under 3 s, no request without an Idempotency-Key fails (they wait, retried by the API while no
// primary takes them), and the ledger holds every 200 exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { writeOutageMs } from '../../kit/outage.js';
import { assertAnswersMatchLedger, assertAnswersWithinLimits } from '../helpers/accounting.js';
import { clusterSkipReason, isKeyed, mixedRequest, retryKeyedUnknowns, startClusterTestEnv, type ClusterTestEnv } from '../helpers/cluster.js';
import { describeOutcomes, isTransaction, isUnknownOutcome, startLoad, statusCounts, waitUntil } from '../helpers/load.js';

const skip = clusterSkipReason();
const MAX_OUTAGE_MS = 3000;

let setup: ClusterTestEnv | undefined;

before(async () => {
  if (!skip) setup = await startClusterTestEnv('cluster_switchover', 2);
});
after(async () => {
  await setup?.stop();
});

test('a planned switchover under load pauses writes under 3 s and fails no request without an idempotency key', { skip }, async () => {
  const { cluster, env } = setup!;
  const pids = env.stack.instances.map((instance) => instance.pid);
  const load = startLoad({
    concurrency: 8,
    maxRequests: 100_000,
    maxDurationMs: 60_000,
    pauseMs: 2,
    next: (i) => mixedRequest(env.port, i),
  });
  await load.waitForAnswers(300);
  const before = (await cluster.primary())!;
  const startedAt = Date.now();
  const candidate = await cluster.switchover();
  await waitUntil(`${candidate} is the primary`, async () => (await cluster.primary())?.name === candidate, 30_000, 100);
  await waitUntil('a write sent after the switchover gets a 200', () => load.outcomes.some((o) => o.sentAt > Date.now() - 500 && o.status === 200), 15_000);
  await load.waitForAnswers(load.outcomes.length + 500);
  const raw = await load.stop();

  assert.deepEqual(env.stack.instances.map((instance) => instance.pid), pids, 'no API instance was restarted');
  const outage = writeOutageMs(raw.filter(isTransaction).map((o) => ({ ok: o.status === 200, sentAt: o.sentAt, answeredAt: o.answeredAt })), startedAt);
  const unkeyedFailed = raw.filter((o) => !isKeyed(o) && o.status !== 200 && o.status !== 422);
  assert.equal(unkeyedFailed.length, 0, `no request without a key failed: ${JSON.stringify(statusCounts(unkeyedFailed))}\n${describeOutcomes(unkeyedFailed)}\n${env.logs.slice(-10).join("\n")}`);
  assert.ok(outage < MAX_OUTAGE_MS, `write outage ${outage} ms is under ${MAX_OUTAGE_MS} ms`);
  const { outcomes, retried } = await retryKeyedUnknowns(raw);
  assert.equal(outcomes.filter(isUnknownOutcome).length, 0, 'every request has a definite answer');
  assertAnswersWithinLimits(outcomes);
  await assertAnswersMatchLedger(env.db.pool, outcomes);
  await cluster.waitUntilHealthy(60_000);
  console.log(`switchover ${before.name} -> ${candidate}: write outage ${outage} ms; ${raw.length} answers ${JSON.stringify(statusCounts(raw))}; ${retried} keyed 5xx retried`);
});
