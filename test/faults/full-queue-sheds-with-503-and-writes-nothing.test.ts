// Overload inside an instance: while its credit/debit call is stuck (here behind a row lock the
// test holds), new transactions wait in its queue up to QUEUE_MAX; beyond that each one is
// answered 503 at once, without touching the database. Statements do not use that queue and
// keep being served. Once the database is free, every queued transaction is applied once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAnswersMatchLedger } from '../helpers/accounting.js';
import { holdClientRowLock } from '../helpers/database.js';
import { getStatement } from '../helpers/http.js';
import { describeOutcomes, sleep, statusCounts, transactionRequest, uniqueDescricao, waitUntil, type LoadRequest, type RequestOutcome } from '../helpers/load.js';
import { sendOnNewConnection } from '../helpers/raw-http.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const QUEUE_MAX = 20;
const BEYOND_QUEUE = 39;

let env: TestStack;
before(async () => {
  env = await startTestStack('fault_queue', { apiEnv: { QUEUE_MAX: String(QUEUE_MAX), DB_BATCHES_IN_FLIGHT: '1', DB_QUERY_TIMEOUT_MS: '60000' } });
});
after(async () => {
  await env?.stop();
});

test('when an instance queue is full further transactions get 503 at once and write nothing, statements are still served, and the queued ones are applied once', async () => {
  const api01 = env.stack.instances[0]!;
  const outcomes: RequestOutcome[] = [];
  const pending: Promise<void>[] = [];
  const send = async (request: LoadRequest) => {
    const { outcome } = await sendOnNewConnection(request, 60_000);
    pending.push(outcome.then((o) => void outcomes.push(o)));
  };

  // Every credit to client 1 waits behind this lock until the test lets go.
  const { release } = await holdClientRowLock(env.db.pool, 1);

  try {
    // The first credit takes the instance's one call in flight and waits on the lock...
    await send(transactionRequest(api01.port, 1, 1, 'c', uniqueDescricao(0)));
    await sleep(200);
    // ...the next QUEUE_MAX wait in the queue, and the rest find it full.
    for (let i = 1; i <= QUEUE_MAX + BEYOND_QUEUE; i++) await send(transactionRequest(api01.port, 1, 1, 'c', uniqueDescricao(i)));

    await waitUntil(`${BEYOND_QUEUE} answers while the database is stuck`, () => outcomes.length >= BEYOND_QUEUE, 10_000);
    await sleep(200);
    const whileStuck = [...outcomes];
    assert.equal(whileStuck.length, BEYOND_QUEUE, `exactly the ${BEYOND_QUEUE} beyond the queue are answered while stuck: ${JSON.stringify(statusCounts(whileStuck))}`);
    assert.ok(
      whileStuck.every((o) => o.status === 503 && JSON.parse(o.body).erro === 'sobrecarregado'),
      `each gets 503 {"erro":"sobrecarregado"}: ${describeOutcomes(whileStuck)}`,
    );
    assert.ok(
      whileStuck.every((o) => o.answeredAt - o.sentAt < 1000),
      `and at once: ${whileStuck.map((o) => o.answeredAt - o.sentAt).join(', ')} ms`,
    );

    // Statements do not queue behind transactions: the instance still answers them.
    const statement = await getStatement(`http://127.0.0.1:${api01.port}`, 1);
    assert.equal(statement.status, 200, 'a statement is served while the transaction queue is full');

    await release();
    await Promise.all(pending);
    const queued = outcomes.slice(BEYOND_QUEUE);
    assert.deepEqual(statusCounts(queued), { 200: QUEUE_MAX + 1 }, `the one in flight and the ${QUEUE_MAX} queued are applied: ${describeOutcomes(queued.filter((o) => o.status !== 200))}`);

    const accounting = await assertAnswersMatchLedger(env.db.pool, outcomes);
    assert.equal(accounting.rows, QUEUE_MAX + 1, 'one row per 200, none for a 503');
  } finally {
    await release();
  }
});
