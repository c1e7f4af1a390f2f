// Fault 1: plain concurrent load, the baseline every other fault test is measured against.
// Credits, debits (many beyond the limit) and statements for all five clients, through nginx and
// straight at both instances at once; afterwards the ledger must match the answers exactly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAnswersMatchLedger, assertAnswersWithinLimits } from '../helpers/accounting.js';
import { getStatement } from '../helpers/http.js';
import { describeOutcomes, runLoad, statementRequest, statusCounts, transactionRequest, uniqueDescricao } from '../helpers/load.js';
import { createRandom, seedFrom } from '../helpers/random.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const LIMITS = [100000, 80000, 1000000, 10000000, 500000];

let env: TestStack;
before(async () => {
  env = await startTestStack('fault_load');
});
after(async () => {
  await env?.stop();
});

test('under concurrent load on both instances every balance equals the sum of its transactions, stays within its limit, and each 200 is exactly one row', async () => {
  const ports = [env.port, env.stack.instances[0]!.port, env.stack.instances[1]!.port];
  const random = createRandom(seedFrom('CREBITOS_LOAD_SEED'));
  console.log(`load seed ${random.seed} (reproduce with CREBITOS_LOAD_SEED=${random.seed})`);
  const outcomes = await runLoad({
    concurrency: 48,
    maxRequests: 4000,
    maxDurationMs: 60_000,
    next: (i) => {
      const port = ports[i % 3]!;
      const clientId = 1 + Math.floor(random.next() * 5);
      const roll = random.next();
      if (roll < 0.1) return statementRequest(port, clientId);
      // Two debits for each credit, up to a twentieth of the limit: every client reaches its
      // limit early and then hovers at it, getting 422s.
      const valor = 1 + Math.floor(random.next() * (LIMITS[clientId - 1]! / 20));
      return transactionRequest(port, clientId, valor, roll < 0.7 ? 'd' : 'c', uniqueDescricao(i));
    },
  });

  const counts = statusCounts(outcomes);
  const unexpected = outcomes.filter((o) => o.status !== 200 && o.status !== 422);
  assert.equal(unexpected.length, 0, `seed ${random.seed}: every answer must be 200 or 422: ${JSON.stringify(counts)}\n${describeOutcomes(unexpected)}`);
  assert.ok(outcomes.some((o) => o.status === 422), `seed ${random.seed}: the load must reach the limits (no 422 seen)`);
  assertAnswersWithinLimits(outcomes);

  // Exact: no answer was unknown, so rows == 200s for every client, and by descricao.
  const accounting = await assertAnswersMatchLedger(env.db.pool, outcomes);
  assert.equal(accounting.unknown, 0);
  assert.equal(accounting.rows, accounting.ok);

  // What the API reports is what the database holds.
  for (const client of accounting.ledger) {
    const statement = await getStatement(env.url, client.id);
    assert.equal(statement.status, 200);
    assert.equal(statement.json.saldo.total, client.saldo, `client ${client.id}: statement total vs database balance`);
  }
});
