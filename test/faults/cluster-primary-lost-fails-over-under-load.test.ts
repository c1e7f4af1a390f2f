// The primary's machine is lost under load (credits, debits, and transfers between two users):
// kill -9 of its Patroni, its postmaster and every
// backend at once, on a real 3-node Patroni cluster (etcd, synchronous replication, HAProxy).
// Patroni promotes the synchronous standby once the leader key expires; HAProxy follows its
// REST checks; the same API processes write again without a restart. Durability: every 200 is
// in the ledger exactly once, no refused write is, balances equal their transactions and stay
// within limits; keyed requests that got a 5xx are retried and applied once. The lost node
// comes back (the supervisor restarts it after the leader key's ttl) and rejoins as a replica.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { writeOutageMs } from '../../kit/outage.js';
import { CLUSTER_API_ENV } from '../../scripts/lib/cluster.js';
import { assertAnswersMatchLedger, assertAnswersWithinLimits } from '../helpers/accounting.js';
import { clusterSkipReason, isKeyed, isTransfer, mixedRequest, retryKeyedUnknowns, startClusterTestEnv, transferRequest, type ClusterTestEnv } from '../helpers/cluster.js';
import { createUser, deposit, userBalances, type TestUser } from '../helpers/transfers.js';
import { request } from '../helpers/http.js';
import { describeOutcomes, isTransaction, isUnknownOutcome, sleep, startLoad, statusCounts, waitUntil } from '../helpers/load.js';

const skip = clusterSkipReason();
const INSTANCES = 3;
const CONCURRENCY = 8;
const MAX_OUTAGE_MS = 10_000;
// A 503 comes once DB_FAILOVER_WAIT_MS has passed without a primary, plus a connect timeout.
const PROMPT_MS = Number(CLUSTER_API_ENV.DB_FAILOVER_WAIT_MS) + 1500;

const DEPOSIT_CENTS = 100_000;

let setup: ClusterTestEnv | undefined;
let users: TestUser[] = [];

before(async () => {
  if (skip) return;
  setup = await startClusterTestEnv('cluster_failover', INSTANCES, { mockServices: true, apiEnv: { PASSWORD_SCRYPT_LOG_N: '10' } });
  users = [await createUser(setup.env.url), await createUser(setup.env.url)];
  for (const user of users) await deposit(setup.env.url, user, DEPOSIT_CENTS);
});
after(async () => {
  await setup?.stop();
});

test('kill -9 of the primary\'s Patroni and Postgres under load: writes resume on the new primary within 10 s, every 200 survives once, the old primary rejoins as a replica', { skip }, async () => {
  const { cluster, env } = setup!;
  const instances = env.stack.instances;
  const pids = instances.map((instance) => instance.pid);
  const load = startLoad({
    concurrency: CONCURRENCY,
    maxRequests: 200_000,
    maxDurationMs: 90_000,
    pauseMs: 2, // 503s are instant during the outage: do not spin through the budget
    // One request in 7 a transfer (alternating direction), the others credits and debits.
    next: (i) => (i % 7 === 3 ? transferRequest(env.port, i, users[(i >> 3) % 2]!, users[((i >> 3) + 1) % 2]!) : mixedRequest(env.port, i, 2)),
  });
  await load.waitForAnswers(300);
  assert.ok(load.outcomes.every((o) => [200, 201, 422].includes(o.status)), `before the kill all is well: ${JSON.stringify(statusCounts(load.outcomes))}`);

  const old = (await cluster.primary())!;
  assert.ok(old, 'there is a primary');
  const killedAt = Date.now();
  const killed = await old.killHard();
  assert.ok(killed.patroniPid && killed.postmasterPid, `killed Patroni ${killed.patroniPid} and postmaster ${killed.postmasterPid}`);

  // While it fails over: /ready on every instance says not ready, and writes are answered 503
  // promptly (never a hang, a 4xx or a 500).
  const notReady = new Set<number>();
  const readinessProbes: number[] = [];
  while (Date.now() - killedAt < MAX_OUTAGE_MS + 5000) {
    const primary = await cluster.primary();
    if (primary !== undefined && primary !== old && (await cluster.acceptsWrites())) break;
    await Promise.all(
      instances.map(async (instance) => {
        const sentAt = Date.now();
        const ready = await request(`http://127.0.0.1:${instance.port}/ready`);
        readinessProbes.push(Date.now() - sentAt);
        if (ready.status === 503) notReady.add(instance.port);
      }),
    );
    await sleep(200);
  }
  const newPrimary = await cluster.primary();
  assert.ok(newPrimary && newPrimary !== old, `a new primary was promoted (was ${old.name}, now ${newPrimary?.name})`);
  await waitUntil('a write sent after the promotion gets a 200', () => load.outcomes.some((o) => o.sentAt > killedAt && o.status === 200), 15_000);
  const resumedAt = Date.now();
  await load.waitForAnswers(load.outcomes.length + 500);
  const raw = await load.stop();

  assert.deepEqual(instances.map((instance) => instance.pid), pids, 'no API instance was restarted');
  assert.ok(instances.every((instance) => instance.running), 'every API instance still runs');
  assert.equal(notReady.size, instances.length, `/ready said not ready on every instance during the outage (${notReady.size} of ${instances.length})`);
  assert.ok(Math.max(...readinessProbes) <= PROMPT_MS, `/ready answered within ${PROMPT_MS} ms: slowest ${Math.max(...readinessProbes)} ms`);
  const odd = raw.filter((o) => ![200, 201, 422, 503].includes(o.status));
  assert.equal(odd.length, 0, `answers are 200, 201, 422 or 503 (never another 4xx, a 500 or no answer): ${JSON.stringify(statusCounts(raw))}\n${describeOutcomes(odd)}`);
  const slow = raw.filter((o) => o.status === 503 && o.answeredAt - o.sentAt > PROMPT_MS);
  assert.equal(slow.length, 0, `503s come promptly: ${slow.length} took longer than ${PROMPT_MS} ms`);
  const outage = writeOutageMs(raw.filter(isTransaction).map((o) => ({ ok: o.status === 200, sentAt: o.sentAt, answeredAt: o.answeredAt })), killedAt);
  assert.ok(outage < MAX_OUTAGE_MS, `write outage ${outage} ms is under ${MAX_OUTAGE_MS} ms`);
  const afterResume = raw.filter((o) => o.sentAt >= resumedAt);
  assert.ok(afterResume.every((o) => [200, 201, 422].includes(o.status)), `once resumed nothing fails: ${JSON.stringify(statusCounts(afterResume))}`);

  // Keyed requests that got a 5xx: retried with the same key, applied once.
  const { outcomes, retried, replayed } = await retryKeyedUnknowns(raw);
  assert.ok(retried > 0, 'some keyed requests got a 503 during the outage (else this part proves nothing)');
  assertAnswersWithinLimits(outcomes.filter((o) => !isTransfer(o)));
  const accounting = await assertAnswersMatchLedger(env.db.pool, outcomes, { clientIds: [1, 2, 3, 4, 5] });
  // Transfers (every one keyed, so every one now has a definite answer): each 201 moved money
  // exactly once, nothing else did, and money was neither made nor lost.
  const transfers = outcomes.filter(isTransfer);
  assert.ok(transfers.every((o) => o.status === 201 || o.status === 422), `transfers end 201 or 422: ${JSON.stringify(statusCounts(transfers))}`);
  const { rows } = await env.db.pool.query('SELECT count(*)::int AS n FROM transfers');
  assert.equal(rows[0].n, transfers.filter((o) => o.status === 201).length, 'one transfer row per 201');
  const balances = await userBalances(env.db.pool);
  assert.equal(balances.sum, DEPOSIT_CENTS * users.length, 'transfers neither made nor lost money');
  assert.ok(balances.min >= 0, 'no user account went negative');
  const keyedUnknownLeft = outcomes.filter((o) => isKeyed(o) && isUnknownOutcome(o)).length;
  assert.equal(keyedUnknownLeft, 0, 'every keyed request has a definite answer after its retry');

  // The lost node comes back by itself (after the ttl) and follows the new primary.
  await waitUntil(
    `${old.name} rejoins as a replica`,
    async () => {
      const state = await cluster.state();
      const member = state.find((m) => m.name === old.name);
      const leader = state.find((m) => m.role === 'leader');
      return member !== undefined && member.role !== 'leader' && ['running', 'streaming'].includes(member.state) && leader?.name === newPrimary.name && member.timeline === leader.timeline;
    },
    90_000,
    500,
  );
  assert.ok(old.restarts.length >= 1 && old.restarts[0]! - killedAt >= old.restartDelayMs, `the supervisor restarted ${old.name} only after ${old.restartDelayMs} ms`);
  await cluster.waitUntilHealthy(60_000);
  console.log(
    `failover ${old.name} -> ${newPrimary.name}: write outage ${outage} ms; ${raw.length} answers ${JSON.stringify(statusCounts(raw))}; ` +
       `${transfers.length} transfers; ${retried} keyed 5xx retried (${replayed} replayed); ${accounting.appliedUnknown} un-keyed 503s were applied; ` +
      `${old.name} back as a replica ${Date.now() - killedAt} ms after the kill`,
  );
});
