// Fault 4: a rolling restart under load (what a deploy does): SIGTERM api01, wait for it to exit,
// start it again, then the same for api02. No client request may fail. It works because a
// draining instance stops listening at once (nginx sends new connections to the other one),
// answers what still reaches it on open connections with `Connection: close` (so nginx drops
// them), and exits once nothing is in flight and no connection to it is left open (nginx
// drops its idle pooled ones after its upstream keepalive_timeout, 4 s), or at the latest after
// SHUTDOWN_GRACE_MS, which is longer than that timeout.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isListening } from '../../scripts/lib/ports.js';
import { assertAnswersMatchLedger, assertAnswersWithinLimits } from '../helpers/accounting.js';
import { describeOutcomes, startLoad, statusCounts, transactionRequest, uniqueDescricao, waitUntil } from '../helpers/load.js';
import { formatRequest, RawConnection } from '../helpers/raw-http.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const GRACE_MS = 5000;

let env: TestStack;
before(async () => {
  env = await startTestStack('fault_rolling', { apiEnv: { SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
});
after(async () => {
  await env?.stop();
});

test('a rolling restart with SIGTERM under load fails no request; each instance stops listening, answers with Connection: close and exits 0 once no connection is left, within the grace period', async () => {
  const load = startLoad({
    concurrency: 8,
    maxRequests: 200_000,
    maxDurationMs: 90_000,
    pauseMs: 1,
    next: (i) => transactionRequest(env.port, 1 + (i % 5), 1 + (i % 97), i % 2 === 0 ? 'c' : 'd', uniqueDescricao(i)),
  });
  await load.waitForAnswers(300);

  for (const instance of env.stack.instances) {
    // A keep-alive connection opened before the signal, straight at the instance.
    const kept = await RawConnection.open(instance.port);
    await kept.write(formatRequest('GET', '/clientes/1/extrato'));
    const before = await kept.readResponse(5000);
    assert.equal(before?.status, 200);
    assert.notEqual(before?.headers.connection, 'close', 'before the signal the connection is kept alive');

    const signalledAt = Date.now();
    const exited = instance.stop('SIGTERM');
    await waitUntil(`${instance.name} stops listening`, async () => !(await isListening(instance.port)), 2000);

    await kept.write(formatRequest('GET', '/clientes/1/extrato'));
    const during = await kept.readResponse(5000);
    assert.equal(during?.status, 200, `${instance.name} still answers on a connection it already had`);
    assert.equal(during?.headers.connection, 'close', 'while draining it answers with Connection: close');
    assert.ok(await kept.closesWithin(2000), 'and closes that connection after the answer');

    assert.equal(await exited, 0, `${instance.name} exits with code 0`);
    const drainedFor = Date.now() - signalledAt;
    // It waited for nginx's pooled connections rather than for the clock, and never past the grace.
    assert.ok(drainedFor <= GRACE_MS + 1000, `${instance.name} exited after ${drainedFor} ms, past its grace of ${GRACE_MS} ms`);
    console.log(`${instance.name} drained in ${drainedFor} ms`);

    // Straight on to the next instance once this one listens again: nginx must use it at once.
    await instance.start();
    await load.waitForAnswers(load.outcomes.length + 200);
  }
  await load.waitForAnswers(load.outcomes.length + 500);
  const outcomes = await load.stop();

  const failures = outcomes.filter((o) => o.status !== 200 && o.status !== 422);
  assert.equal(failures.length, 0, `no request fails during a rolling restart: ${JSON.stringify(statusCounts(outcomes))}\n${describeOutcomes(failures)}`);
  assertAnswersWithinLimits(outcomes);
  const accounting = await assertAnswersMatchLedger(env.db.pool, outcomes);
  assert.equal(accounting.rows, accounting.ok, 'every 200 is one row, and nothing else is');
  console.log(`rolling restart: ${outcomes.length} answers ${JSON.stringify(statusCounts(outcomes))}`);
});
