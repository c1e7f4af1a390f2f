// Fault 3: Postgres crashes (SIGKILL to the server and all its backends) under load, stays down
// a few seconds, and restarts on the same data (crash recovery). The test runs its own Postgres
// so it can kill it. While it is down every request is answered 503 promptly with a JSON body and
// no API process dies; once it is back the same processes serve again; and durability holds:
// every transaction that got a 200 is in the database exactly once, none that got a 4xx is.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PostgresServer } from '../../scripts/lib/postgres.js';
import { startOwnedPostgres } from '../helpers/database.js';
import { assertAnswersMatchLedger, assertAnswersWithinLimits } from '../helpers/accounting.js';
import { request } from '../helpers/http.js';
import {
  describeOutcomes,
  isUnknownOutcome,
  sleep,
  startLoad,
  statementRequest,
  statusCounts,
  transactionRequest,
  uniqueDescricao,
  waitUntil,
  type RequestOutcome,
} from '../helpers/load.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const CONCURRENCY = 8;
const DOWN_FOR_MS = 4000;
const PROMPT_MS = 2000;

let owned: Awaited<ReturnType<typeof startOwnedPostgres>>;
let postgres: PostgresServer;
let env: TestStack;

before(async () => {
  owned = await startOwnedPostgres('fault-pg');
  postgres = owned.postgres;
  env = await startTestStack('fault_kill_pg', { databaseUrl: owned.url });
});
after(async () => {
  await env?.stop();
  await owned?.remove();
});

test('when Postgres crashes under load the APIs stay up answering 503 promptly, resume by themselves when it is back, and every 200 survives exactly once', async () => {
  const instances = env.stack.instances;
  const pids = instances.map((instance) => instance.pid);
  const load = startLoad({
    concurrency: CONCURRENCY,
    maxRequests: 100_000,
    maxDurationMs: 90_000,
    pauseMs: 2, // while Postgres is down answers are instant: do not spin through the budget
    next: (i) => transactionRequest(env.port, 1 + (i % 5), 1 + (i % 89), i % 3 === 0 ? 'd' : 'c', uniqueDescricao(i)),
  });
  await load.waitForAnswers(500);
  assert.ok(load.outcomes.every((o) => o.status === 200 || o.status === 422), `before the crash all is well: ${JSON.stringify(statusCounts(load.outcomes))}`);

  const killedAt = Date.now();
  await postgres.kill();

  // While it is down: probes through nginx and straight at each instance, transactions and
  // statements, each answered 503 with a JSON body within PROMPT_MS.
  const probes: RequestOutcome[] = [];
  const targets = [env.port, ...instances.map((instance) => instance.port)];
  let probeIndex = 0;
  await sleep(200); // let the in-flight calls fail first
  while (Date.now() - killedAt < DOWN_FOR_MS) {
    for (const port of targets) {
      const probe = probeIndex++ % 2 === 0 ? transactionRequest(port, 1, 5, 'c', uniqueDescricao(probeIndex, 'P')) : statementRequest(port, 1);
      const sentAt = Date.now();
      const response = await request(`http://127.0.0.1:${port}${probe.path}`, probe.body === undefined ? {} : { method: 'POST', body: probe.body });
      const answeredAt = Date.now();
      probes.push({ request: probe, status: response.status, body: response.text, connection: '', sentAt, answeredAt });
      assert.equal(response.status, 503, `while Postgres is down ${probe.method} :${port}${probe.path} answers 503, got ${response.status} ${response.text}`);
      assert.equal(typeof response.json?.erro, 'string', `the 503 has a JSON body: ${response.text}`);
      assert.ok(answeredAt - sentAt <= PROMPT_MS, `answered within ${PROMPT_MS} ms, took ${answeredAt - sentAt} ms`);
    }
    await sleep(100);
  }
  assert.ok(instances.every((instance) => instance.running), 'no API process died while Postgres was down');

  await postgres.start();
  const restartedAt = Date.now();
  // Service resumes without touching the APIs: the load itself gets 200s again.
  await waitUntil('a transaction sent after the restart gets a 200', () => load.outcomes.some((o) => o.sentAt >= restartedAt && o.status === 200), 30_000);
  const resumedAt = Date.now();
  await load.waitForAnswers(load.outcomes.length + 1000);
  const outcomes = await load.stop();

  assert.ok(instances.every((instance) => instance.running), 'both APIs still run');
  assert.deepEqual(instances.map((instance) => instance.pid), pids, 'the APIs were not restarted');
  const afterResume = outcomes.filter((o) => o.sentAt >= resumedAt);
  assert.ok(afterResume.every((o) => o.status === 200 || o.status === 422), `once resumed nothing fails: ${JSON.stringify(statusCounts(afterResume))}\n${describeOutcomes(afterResume.filter(isUnknownOutcome))}`);
  // Clients saw 200/422, or 503 (Postgres down); nothing else, not even a 502.
  const odd = outcomes.filter((o) => ![200, 422, 503].includes(o.status));
  assert.equal(odd.length, 0, `answers are 200, 422 or 503: ${JSON.stringify(statusCounts(outcomes))}\n${describeOutcomes(odd)}`);
  assertAnswersWithinLimits(outcomes);

  // Durability: every 200 exactly once, no 4xx applied, no row from nowhere. A 503 whose commit
  // was under way at the crash may or may not be applied; only in-flight ones can be.
  const all = [...outcomes, ...probes];
  const accounting = await assertAnswersMatchLedger(env.db.pool, all);
  const unknownInFlight = outcomes.filter((o) => isUnknownOutcome(o) && o.sentAt <= killedAt).length;
  assert.ok(
    accounting.appliedUnknown <= Math.min(CONCURRENCY, unknownInFlight),
    `${accounting.appliedUnknown} transactions answered 503 were applied; only those in flight at the crash (${unknownInFlight}) may be`,
  );
  console.log(
    `Postgres kill -9: ${outcomes.length} answers ${JSON.stringify(statusCounts(outcomes))}, ${probes.length} probes all 503; ` +
      `resumed ${resumedAt - restartedAt} ms after the restart; ${accounting.appliedUnknown} of the 503s were applied`,
  );
});

test('the ledger is stored durably: logged tables, and the server keeps fsync, synchronous_commit and full_page_writes on', async () => {
  const { rows: tables } = await env.db.pool.query<{ relname: string; relpersistence: string }>(
    "SELECT relname, relpersistence FROM pg_class WHERE relname IN ('clientes', 'transacoes') ORDER BY relname",
  );
  assert.deepEqual(tables, [
    { relname: 'clientes', relpersistence: 'p' },
    { relname: 'transacoes', relpersistence: 'p' },
  ], 'permanent (WAL-logged) tables, never UNLOGGED or TEMP');
  for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
    const { rows } = await env.db.pool.query(`SHOW ${setting}`);
    assert.equal(rows[0][setting], 'on', `${setting} is on`);
  }
});
