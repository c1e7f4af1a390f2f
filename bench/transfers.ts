// `npm run bench:transfers`: the transfers module's two figures on the local stack (nginx, two
// instances, one Postgres, the mock authorizer/notifier on loopback):
// 1. transfers per second through nginx, closed loop (autocannon), random pairs among USERS
//    users, with the latency percentiles, the errors (anything but 201/422) and the check that
//    the sum of all balances is unchanged;
// 2. notifications delivered per second by WORKERS worker processes draining what phase 1
//    queued, with the notifier failing NOTIFY_FAIL_RATE of its calls (retries included).
// Usage: npm run bench:transfers [-- --connections 64 --duration 15 --users 200 --workers 2 --fail-rate 0.3]
// Bounded: a watchdog stops the run after duration + 240 s.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../scripts/lib/ports.js';
import { Stack } from '../scripts/lib/stack.js';
import { integerFlag, numberFlag, optionsOrExit, parseFlags, secondsFlag } from '../kit/cli.js';
import { completeCpf } from '../src/transfers/document.js';
import { autocannon, type AutocannonResult } from './load.js';
import { formatMeta, runMeta } from './run-meta.js';

const HELP = `Usage: npm run bench:transfers [-- --connections 64 --duration 15 --users 200 --workers 2 --fail-rate 0.3]\n`;
const flags = optionsOrExit(() => {
  const values = parseFlags(process.argv.slice(2), {
    connections: { type: 'string' },
    duration: { type: 'string' },
    users: { type: 'string' },
    workers: { type: 'string' },
    'fail-rate': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  return {
    connections: integerFlag('connections', values.connections, 64, { min: 1, max: 4096 }),
    durationS: secondsFlag('duration', values.duration, 15, { min: 1, max: 300 }),
    users: integerFlag('users', values.users, 200, { min: 2, max: 100_000 }),
    workers: integerFlag('workers', values.workers, 2, { min: 1, max: 16 }),
    failRate: numberFlag('fail-rate', values['fail-rate'], 0.3, { min: 0, max: 1 }),
    help: values.help ?? false,
  };
}, HELP);

const CONNECTIONS = flags.connections;
const DURATION_S = flags.durationS;
const USERS = flags.users;
const WORKERS = flags.workers;
const FAIL_RATE = flags.failRate;
const START_CENTS = 100_000_000;

function log(message: string): void {
  process.stderr.write(`[bench:transfers] ${message}\n`);
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

const cpf = (n: number): string => completeCpf(String(n).padStart(9, '0'));

async function main(): Promise<void> {
  const meta = runMeta();
  const watchdog = setTimeout(() => {
    log('watchdog: the run took too long, stopping');
    process.exit(3);
  }, (DURATION_S + 240) * 1000);
  watchdog.unref();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'crebitos-bench-transfers-'));
  const stack = await Stack.start({
    port: await freePort(),
    dataDir,
    loadBalancer: 'nginx',
    mockServices: true,
    workers: 0,
    apiEnv: { LOG_LEVEL: 'warn', PASSWORD_SCRYPT_LOG_N: '10', NOTIFY_BACKOFF_BASE_MS: '100', NOTIFY_BACKOFF_MAX_MS: '1000', NOTIFY_MAX_ATTEMPTS: '100', NOTIFY_POLL_MS: '20', NOTIFY_CONCURRENCY: '128' },
    onLog: (source, line) => process.stderr.write(`[${source}] ${line}\n`),
  });
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  try {
    log(`stack up at ${stack.url}; registering ${USERS} users`);
    const users: { id: number; token: string }[] = [];
    for (let i = 0; i < USERS; i++) {
      const email = `bench${i}@example.com`;
      const created = await json(`${stack.url}/users`, { method: 'POST', body: JSON.stringify({ fullName: `Bench ${i}`, document: cpf(1000 + i), email, password: 'bench-password', type: 'common' }) });
      if (created.status !== 201) throw new Error(`POST /users: ${created.status} ${JSON.stringify(created.body)}`);
      const token = await json(`${stack.url}/auth/token`, { method: 'POST', body: JSON.stringify({ email, password: 'bench-password' }) });
      users.push({ id: created.body.id, token: token.body.access_token });
      await json(`${stack.url}/clientes/${created.body.id}/transacoes`, { method: 'POST', headers: { authorization: `Bearer ${token.body.access_token}` }, body: JSON.stringify({ valor: START_CENTS, tipo: 'c', descricao: 'bench' }) });
    }
    const sum = async () => Number((await db.query('SELECT sum(c.saldo)::bigint AS s FROM clientes c JOIN users u ON u.id = c.id')).rows[0].s);
    const sumBefore = await sum();

    log(`phase 1: ${CONNECTIONS} connections for ${DURATION_S} s of POST /transfer through nginx`);
    let n = 0;
    const result = await new Promise<AutocannonResult>((resolve, reject) =>
      autocannon(
        {
          url: `${stack.url}/transfer`,
          connections: CONNECTIONS,
          duration: DURATION_S,
          timeout: 10,
          requests: [
            {
              method: 'POST',
              setupRequest: (request: Record<string, unknown>) => {
                const i = n++;
                const payer = users[i % USERS]!;
                const payee = users[(i * 7 + 1 + Math.floor(i / USERS)) % USERS]!;
                const to = payee.id === payer.id ? users[(i + 1) % USERS]! : payee;
                return {
                  ...request,
                  headers: { 'content-type': 'application/json', authorization: `Bearer ${payer.token}` },
                  body: `{"value":${1 + (i % 99)}.${String(i % 100).padStart(2, '0')},"payer":${payer.id},"payee":${to.id}}`,
                };
              },
            },
          ],
        },
        (error, r) => (error ? reject(error) : resolve(r)),
      ),
    );
    const counts: Record<string, number> = {};
    let responses = 0;
    let errors = result.errors;
    for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
      counts[status] = count;
      responses += count;
      if (status !== '201' && status !== '422') errors += count;
    }
    const sumAfter = await sum();
    const { rows: [t] } = await db.query('SELECT count(*)::int AS n FROM transfers');
    const { rows: [neg] } = await db.query('SELECT count(*)::int AS n FROM clientes WHERE saldo < 0 AND id >= 1000');

    log(`phase 2: ${WORKERS} workers deliver ${t.n} notifications, the notifier failing ${FAIL_RATE * 100}% of calls`);
    await fetch(`${stack.mockUrl}/_control`, { method: 'POST', body: JSON.stringify({ notify: { failRate: FAIL_RATE } }) }).then((r) => r.text());
    // Counted again now: transfers in flight when the load stopped commit after the count above.
    const { rows: [queued] } = await db.query('SELECT count(*)::int AS n FROM notifications');
    const started = Date.now();
    for (let i = 0; i < WORKERS; i++) await stack.addWorker();
    let delivered = 0;
    const deadline = Date.now() + 180_000;
    for (;;) {
      delivered = (await db.query("SELECT count(*)::int AS n FROM notifications WHERE state = 'delivered'")).rows[0].n;
      if (delivered >= queued.n || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const notifySeconds = (Date.now() - started) / 1000;
    const received = (await (await fetch(`${stack.mockUrl}/_received`)).json()) as { calls: number; delivered: number };

    process.stdout.write(
      [
        formatMeta(meta, 'none (the local stack, no cgroup limits)'),
        `setup:   nginx, 2 instances, 1 Postgres (embedded, default durability), mock authorizer/notifier on loopback; ${USERS} users`,
        '',
        `transfers: ${CONNECTIONS} connections, ${result.duration} s: ${Math.round(responses / result.duration)} answers/s, ` +
          `${Math.round((counts['201'] ?? 0) / result.duration)} transfers/s committed`,
        `  latency ms: p50 ${result.latency.p50}, p90 ${result.latency.p90}, p99 ${result.latency.p99}, max ${result.latency.max}`,
        `  statuses: ${JSON.stringify(counts)}; errors (not 201/422, socket errors, timeouts): ${errors}`,
        `  sum of balances: ${sumBefore} before, ${sumAfter} after (${sumBefore === sumAfter ? 'unchanged' : 'CHANGED'}); accounts below 0: ${neg.n}; transfer rows: ${t.n}`,
        `notifications: ${WORKERS} workers, notifier failing ${FAIL_RATE * 100}%: ${delivered} of ${queued.n} delivered in ${notifySeconds.toFixed(1)} s = ` +
          `${Math.round(delivered / notifySeconds)} delivered/s (${received.calls} calls, ${Math.round(received.calls / notifySeconds)} attempts/s)`,
        '',
      ].join('\n'),
    );
  } finally {
    await db.end();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
