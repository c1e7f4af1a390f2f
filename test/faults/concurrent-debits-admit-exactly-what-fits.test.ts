// Fault 8: a thundering herd at the limit. 2,000 debits of 80 against client 2 (limit 80000), all
// in flight together and spread over both instances (a third each straight at api01 and api02,
// a third through nginx): exactly 1,000 fit, so exactly 1,000 get 200 and 1,000 get 422.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAnswersMatchLedger, assertAnswersWithinLimits } from '../helpers/accounting.js';
import { getStatement } from '../helpers/http.js';
import { describeOutcomes, runLoad, statusCounts, transactionRequest, uniqueDescricao } from '../helpers/load.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const CLIENT = 2;
const LIMITE = 80000;
const VALOR = 80;
const DEBITS = 2000;
const FIT = LIMITE / VALOR; // 1000

let env: TestStack;
before(async () => {
  env = await startTestStack('fault_boundary');
});
after(async () => {
  await env?.stop();
});

test('2,000 concurrent debits against one client admit exactly the 1,000 that fit its limit and leave the balance at exactly -limite', async () => {
  const ports = [env.port, env.stack.instances[0]!.port, env.stack.instances[1]!.port];
  const outcomes = await runLoad({
    concurrency: 500,
    maxRequests: DEBITS,
    maxDurationMs: 120_000,
    next: (i) => transactionRequest(ports[i % 3]!, CLIENT, VALOR, 'd', uniqueDescricao(i)),
  });
  assert.equal(outcomes.length, DEBITS, 'every debit was sent');

  const counts = statusCounts(outcomes);
  const ok = outcomes.filter((o) => o.status === 200);
  const refused = outcomes.filter((o) => o.status === 422);
  assert.equal(ok.length, FIT, `exactly ${FIT} debits fit: ${JSON.stringify(counts)}\n${describeOutcomes(outcomes.filter((o) => o.status !== 200 && o.status !== 422))}`);
  assert.equal(refused.length, DEBITS - FIT, `the rest are refused with 422: ${JSON.stringify(counts)}`);
  for (const port of ports) {
    assert.ok(ok.some((o) => o.request.port === port), `some debit sent to port ${port} was admitted`);
  }
  assertAnswersWithinLimits(outcomes);
  // Each admitted debit saw a distinct balance: the 200s are one serial history.
  const balances = new Set(ok.map((o) => JSON.parse(o.body).saldo as number));
  assert.equal(balances.size, FIT, 'every 200 reports a different balance');

  const accounting = await assertAnswersMatchLedger(env.db.pool, outcomes);
  const client = accounting.ledger.find((c) => c.id === CLIENT)!;
  assert.equal(client.saldo, -LIMITE);
  assert.equal(client.transactions, FIT);
  const statement = await getStatement(env.url, CLIENT);
  assert.deepEqual([statement.status, statement.json.saldo.total, statement.json.saldo.limite], [200, -LIMITE, LIMITE]);
});
