// Overload: a burst of new connections arrives while the backend cannot keep up (here: every
// credit waits on a row lock the test holds). nginx keeps at most `limit_conn in_progress`
// requests in progress and answers the rest 503 at once, so its memory stays inside its compose
// limit instead of growing with the burst until the kernel kills its worker (which resets every
// connection it holds). Once the backend is free, every request nginx kept is applied, exactly
// once, and no request turned away changed anything.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { parseComposeLimits } from '../../scripts/lib/compose-limits.js';
import { COMPOSE_FILE } from '../../scripts/lib/limits.js';
import { NGINX_CONF } from '../../scripts/lib/nginx.js';
import { assertAnswersMatchLedger } from '../helpers/accounting.js';
import { holdClientRowLock } from '../helpers/database.js';
import { describeOutcomes, statusCounts, transactionRequest, uniqueDescricao, waitUntil, type RequestOutcome } from '../helpers/load.js';
import { rssBytes } from '../helpers/proc.js';
import { sendOnNewConnection } from '../helpers/raw-http.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const BEYOND_CAP = 600;

let env: TestStack;
before(async () => {
  // The held lock must not turn into statement timeouts: only nginx's cap is under test.
  env = await startTestStack('fault_overload', { apiEnv: { DB_QUERY_TIMEOUT_MS: '60000' } });
});
after(async () => {
  await env?.stop();
});

test('a burst beyond nginx in-progress cap is answered 503 at once, nginx stays within its memory limit, and every request it kept is applied once', async () => {
  const cap = Number(/limit_conn in_progress (\d+);/.exec(await readFile(NGINX_CONF, 'utf8'))?.[1]);
  assert.ok(cap > 0, 'nginx.conf sets limit_conn in_progress');
  const nginxLimit = parseComposeLimits(await readFile(COMPOSE_FILE, 'utf8')).find((s) => s.service === 'nginx')!.memoryBytes;
  const master = env.stack.nginx!.pid!;
  const workerOf = (pid: number) => Number(execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim());
  const worker = workerOf(master);
  assert.ok(worker > 0, 'nginx has one worker');

  // Every credit to client 1 waits behind this lock until the test lets go.
  const { release } = await holdClientRowLock(env.db.pool, 1);

  try {
    const burst = cap + BEYOND_CAP;
    const outcomes: RequestOutcome[] = [];
    let peakRss = await rssBytes(worker);
    const pending: Promise<void>[] = [];
    for (let i = 0; i < burst; i++) {
      const { outcome } = await sendOnNewConnection(transactionRequest(env.port, 1, 1, 'c', uniqueDescricao(i)), 90_000);
      pending.push(outcome.then((o) => void outcomes.push(o)));
      if (i % 100 === 0) peakRss = Math.max(peakRss, await rssBytes(worker));
    }

    // The requests beyond the cap are turned away while the backend is still stuck.
    await waitUntil(`${BEYOND_CAP} requests are answered`, () => outcomes.length >= BEYOND_CAP, 20_000);
    peakRss = Math.max(peakRss, await rssBytes(worker));
    const whileStuck = [...outcomes];
    assert.ok(
      whileStuck.every((o) => o.status === 503),
      `only 503s while the backend is stuck: ${JSON.stringify(statusCounts(whileStuck))}\n${describeOutcomes(whileStuck.filter((o) => o.status !== 503))}`,
    );
    assert.ok(whileStuck.every((o) => o.body.includes('"erro"')), `the 503s carry the JSON error body: ${describeOutcomes(whileStuck)}`);
    assert.equal(whileStuck.length, BEYOND_CAP, `exactly the ${BEYOND_CAP} requests beyond the cap of ${cap} are turned away`);

    await release();
    await Promise.all(pending);

    const kept = outcomes.filter((o) => o.status !== 503);
    assert.equal(kept.length, cap);
    assert.ok(kept.every((o) => o.status === 200), `every request nginx kept is applied: ${JSON.stringify(statusCounts(outcomes))}\n${describeOutcomes(kept.filter((o) => o.status !== 200))}`);

    // nginx was never killed or restarted, and its worker stayed inside its compose budget.
    assert.equal(env.stack.nginx!.pid, master);
    assert.equal(workerOf(master), worker, 'the same nginx worker served the whole burst');
    console.log(`overload burst of ${burst}: ${JSON.stringify(statusCounts(outcomes))}; nginx worker peak RSS ${(peakRss / 2 ** 20).toFixed(1)} MiB (compose limit ${(nginxLimit / 2 ** 20).toFixed(0)} MiB)`);
    assert.ok(peakRss < nginxLimit * 0.9, `nginx worker RSS peaked at ${(peakRss / 2 ** 20).toFixed(1)} MiB, too close to its ${(nginxLimit / 2 ** 20).toFixed(0)} MiB limit`);

    const accounting = await assertAnswersMatchLedger(env.db.pool, outcomes);
    assert.equal(accounting.rows, cap, 'one row per request nginx kept, none for those it turned away');
  } finally {
    await release();
  }
});
