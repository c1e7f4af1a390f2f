// Notifications are never lost: transfers run while the notifier fails half of its calls and
// sometimes hangs, a worker is killed with -9 every 1.5 s (and replaced), and Postgres is killed
// and restarted. Afterwards every committed transfer's notification reached the notifier at
// least once, each key always named the same transfer, and no 201 was lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PostgresServer } from '../../scripts/lib/postgres.js';
import { startOwnedPostgres } from '../helpers/database.js';
import { sleep, waitUntil } from '../helpers/load.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { controlMock, createUser, deposit, inParallel, mockReceived, transfer, type TestUser } from '../helpers/transfers.js';

const LOAD_MS = 12_000;
const KILL_WORKER_EVERY_MS = 1500;

let owned: Awaited<ReturnType<typeof startOwnedPostgres>>;
let postgres: PostgresServer;
let env: TestStack;

before(async () => {
  owned = await startOwnedPostgres('fault-notify');
  postgres = owned.postgres;
  env = await startTestStack('fault_notify', {
    databaseUrl: owned.url,
    mockServices: true,
    workers: 2,
    apiEnv: {
      PASSWORD_SCRYPT_LOG_N: '10',
      NOTIFY_TIMEOUT_MS: '250',
      NOTIFY_MAX_ATTEMPTS: '1000',
      NOTIFY_BACKOFF_BASE_MS: '20',
      NOTIFY_BACKOFF_MAX_MS: '400',
      NOTIFY_POLL_MS: '50',
    },
  });
});
after(async () => {
  await env?.stop();
  await owned?.remove();
});

test('with the notifier failing 50% and hanging 5%, workers killed -9 and Postgres killed, every committed transfer is notified at least once under a stable key', async () => {
  const mock = env.stack.mockUrl!;
  const users: TestUser[] = await inParallel(20, 10, () => createUser(env.url));
  await inParallel(users.length, 10, (i) => deposit(env.url, users[i]!, 1_000_000));
  await controlMock(mock, { notify: { failRate: 0.5, hangRate: 0.05 } });

  const created = new Set<number>();
  const statuses: Record<number, number> = {};
  let running = true;
  const load = inParallel(16, 16, async (lane) => {
    for (let i = 0; running; i++) {
      const payer = users[(lane + i) % users.length]!;
      const payee = users[(lane + i + 1 + (i % 7)) % users.length]!;
      const answer = await transfer(env.url, payer, { value: 0.01, payer: payer.id, payee: payee.id }).catch(() => ({ status: 0, json: undefined }));
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status === 201) created.add(answer.json.id);
      if (answer.status !== 201) await sleep(20);
    }
  });

  const startedAt = Date.now();
  let kills = 0;
  // A worker is killed only once its replacement is up (a restart waits for Postgres when it is down).
  const restarting = new Map<number, Promise<void>>();
  const killer = (async () => {
    for (let turn = 0; Date.now() - startedAt < LOAD_MS; turn++) {
      await sleep(KILL_WORKER_EVERY_MS);
      const index = turn % env.stack.workers.length;
      const worker = env.stack.workers[index]!;
      if (restarting.has(index) || !worker.running) continue;
      await worker.stop('SIGKILL');
      kills++;
      restarting.set(index, worker.start(60_000).finally(() => restarting.delete(index)));
    }
  })();
  await sleep(LOAD_MS / 2);
  await postgres.kill();
  await sleep(2000);
  await postgres.start();
  await killer;
  running = false;
  await load;
  await Promise.all(restarting.values());
  assert.ok(env.stack.workers.every((w) => w.running), 'the replaced workers run');

  assert.ok(created.size > 100, `transfers committed during the faults: ${created.size} ${JSON.stringify(statuses)}`);
  assert.ok(Object.keys(statuses).every((s) => ['201', '503'].includes(s)), `only 201, or 503 while Postgres was down: ${JSON.stringify(statuses)}`);
  const { rows: stored } = await env.db.pool.query('SELECT t.id::int AS transfer_id, n.id AS notification_id FROM transfers t JOIN notifications n ON n.transfer_id = t.id');
  const storedIds = new Set(stored.map((r) => r.transfer_id as number));
  for (const id of created) assert.ok(storedIds.has(id), `the 201 transfer ${id} is committed with its notification`);

  await controlMock(mock, { notify: { failRate: 0, hangRate: 0 } });
  await waitUntil('every committed transfer\'s notification was delivered', async () => {
    const received = await mockReceived(mock);
    return stored.every((r) => (received.keys[r.notification_id]?.delivered ?? 0) >= 1);
  }, 60_000, 200);
  const received = await mockReceived(mock);
  for (const r of stored) {
    assert.equal(received.keys[r.notification_id]!.body.transferId, r.transfer_id, 'a key always names the same transfer');
  }
  const repeats = stored.reduce((sum, r) => sum + received.keys[r.notification_id]!.calls - 1, 0);
  const { rows: states } = await env.db.pool.query("SELECT state, count(*)::int AS n FROM notifications GROUP BY state");
  console.log(`${created.size} transfers ${JSON.stringify(statuses)}, ${kills} worker kills, 1 Postgres kill; ${stored.length} notifications delivered, ${repeats} repeated calls (failed or redelivered); states ${JSON.stringify(states)}`);
});
