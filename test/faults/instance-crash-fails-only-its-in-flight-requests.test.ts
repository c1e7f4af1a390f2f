// Fault 2: one API instance dies (SIGKILL) under load. nginx keeps serving through the other
// one: only requests that were in flight on the dead instance can fail (nginx never re-sends a
// POST that reached an instance), so failures are bounded by the client's concurrency. The
// instance restarted on its port serves again, and the ledger accounts for every answer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAnswersMatchLedger, assertAnswersWithinLimits } from '../helpers/accounting.js';
import { getStatement, postTransaction } from '../helpers/http.js';
import { describeOutcomes, startLoad, statusCounts, transactionRequest, uniqueDescricao, type RequestOutcome } from '../helpers/load.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const CONCURRENCY = 16;

let env: TestStack;
before(async () => {
  env = await startTestStack('fault_kill_api');
});
after(async () => {
  await env?.stop();
});

test('when one instance is killed under load the other keeps serving, at most the in-flight requests fail, and the restarted instance serves again', async () => {
  const [api01, api02] = env.stack.instances as [typeof env.stack.instances[0], typeof env.stack.instances[0]];
  const api02Pid = api02.pid;
  const load = startLoad({
    concurrency: CONCURRENCY,
    maxRequests: 50_000,
    maxDurationMs: 60_000,
    // Credits and small debits on all clients through nginx; debits rarely reach a limit.
    next: (i) => transactionRequest(env.port, 1 + (i % 5), 1 + (i % 97), i % 2 === 0 ? 'c' : 'd', uniqueDescricao(i)),
  });

  await load.waitForAnswers(500);
  const killedAt = Date.now();
  assert.equal(await api01.stop('SIGKILL'), null, 'api01 died from the signal');
  assert.equal(api01.running, false);

  // Served by api02 alone while api01 is down.
  const answersAtKill = load.outcomes.length;
  await load.waitForAnswers(answersAtKill + 1000);
  const whileDown = load.outcomes.slice(answersAtKill);
  assert.ok(whileDown.filter((o) => o.status === 200).length >= 900, `api02 kept serving: ${JSON.stringify(statusCounts(whileDown))}`);

  await api01.start();
  const restartedAt = Date.now();
  await load.waitForAnswers(load.outcomes.length + 500);
  const outcomes = await load.stop();

  const failures = outcomes.filter((o) => o.status !== 200 && o.status !== 422);
  assert.ok(
    failures.length <= CONCURRENCY,
    `failures (${failures.length}) must not exceed the requests in flight (${CONCURRENCY}): ${JSON.stringify(statusCounts(outcomes))}\n${describeOutcomes(failures)}`,
  );
  // A failure can only be a request that was in flight when the instance died (or sent within
  // moments of it: nginx may hand one to a pooled connection before it sees that it closed).
  for (const failure of failures) {
    assert.ok(failure.sentAt <= killedAt + 200, `a request sent ${failure.sentAt - killedAt} ms after the kill failed: ${describeOutcomes([failure])}`);
  }
  const afterRestart = outcomes.filter((o: RequestOutcome) => o.sentAt >= restartedAt);
  assert.ok(afterRestart.every((o) => o.status === 200 || o.status === 422), `after the restart nothing fails: ${JSON.stringify(statusCounts(afterRestart))}`);
  assertAnswersWithinLimits(outcomes);

  // Both instances serve: the restarted one and the survivor, straight at their ports.
  assert.ok(api01.running && api02.running);
  assert.equal(api02.pid, api02Pid, 'api02 was not restarted');
  const direct: RequestOutcome[] = [];
  for (const [index, instance] of [api01, api02].entries()) {
    assert.equal((await getStatement(`http://127.0.0.1:${instance.port}`, 1)).status, 200, `${instance.name} answers a statement`);
    const descricao = uniqueDescricao(index, 'D');
    const sentAt = Date.now();
    const response = await postTransaction(`http://127.0.0.1:${instance.port}`, 3, { valor: 1, tipo: 'c', descricao });
    assert.equal(response.status, 200, `${instance.name} applies a credit`);
    direct.push({ request: { ...transactionRequest(instance.port, 3, 1, 'c', descricao) }, status: 200, body: response.text, connection: '', sentAt, answeredAt: Date.now() });
  }

  const accounting = await assertAnswersMatchLedger(env.db.pool, [...outcomes, ...direct]);
  console.log(
    `kill -9 api01: ${outcomes.length} answers ${JSON.stringify(statusCounts(outcomes))}; ` +
      `${failures.length} failed, of which ${accounting.appliedUnknown} were applied nonetheless`,
  );
});
