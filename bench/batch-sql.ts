// Micro-benchmark of the database side alone: Postgres CPU per call of transact_batch (by batch
// size), of transact() (a transaction alone) and of account_statement, on one connection with no concurrency, one commit per call as
// in production. It reads the backend's own CPU time (/proc/<pid>/stat, kit/proc-stat.ts), which other work on a
// shared machine barely changes, unlike wall-clock throughput. Splitting the cost of a batch into
// a fixed part per call and a part per transaction says how much larger batches can save.
//
// Usage: npm run bench:sql [-- --items 6000 --sizes 1,2,4,8,16,64 --statements 2000 --set name=value]
// (--set tries a session setting on the measured connection, e.g. plan_cache_mode.)
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { integerFlag, listFlag, optionsOrExit, parseFlags } from '../kit/cli.js';
import { processCpuTicks, USER_HZ } from '../kit/proc-stat.js';
import { parseComposeRuntime } from '../scripts/lib/compose-limits.js';
import { COMPOSE_FILE } from '../scripts/lib/limits.js';
import { freePort } from '../scripts/lib/ports.js';
import { PostgresServer } from '../scripts/lib/postgres.js';
import { migrate } from '../src/kernel/migrations.js';
import { ACCOUNT_STATEMENT, TRANSACT, TRANSACT_BATCH } from '../src/ledger/store-sql.js';
import { formatMeta, runMeta } from './run-meta.js';


type Batch = [number[], number[], string[], string[]];

/** A batch like the service sends: clients 1-5 (6 now and then, unknown), debits : credits = 2 : 1. */
function randomBatch(size: number, unknownClients: boolean): Batch {
  const batch: Batch = [[], [], [], []];
  for (let i = 0; i < size; i++) {
    batch[0].push(unknownClients && Math.random() < 0.02 ? 6 : 1 + Math.floor(Math.random() * 5));
    batch[1].push(1 + Math.floor(Math.random() * 10000));
    batch[2].push(Math.random() < 2 / 3 ? 'd' : 'c');
    batch[3].push(['bench', 'toma', 'x', 'abcdefghij', 'ç€𝄞'][Math.floor(Math.random() * 5)]!);
  }
  return batch;
}

/** CPU and wall microseconds per call of `run`, after `warm` unmeasured calls. */
async function perCall(backendPid: number, calls: number, run: (i: number) => Promise<unknown>): Promise<{ cpuUs: number; wallUs: number }> {
  for (let i = 0; i < Math.min(100, calls); i++) await run(i);
  const ticks = await processCpuTicks(backendPid);
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await run(i);
  const wallUs = Number(process.hrtime.bigint() - started) / 1000;
  const cpuUs = (((await processCpuTicks(backendPid)) - ticks) * 1_000_000) / USER_HZ;
  return { cpuUs: Math.round(cpuUs / calls), wallUs: Math.round(wallUs / calls) };
}

/** Least-squares line through (x, y): y = fixed + perUnit * x. */
export function fitLine(points: readonly [number, number][]): { fixed: number; perUnit: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const perUnit = sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  return { fixed: Math.round(my - perUnit * mx), perUnit: Math.round(perUnit * 10) / 10 };
}

const HELP = `Usage: npm run bench:sql -- [--items 6000] [--sizes 1,2,4,8,16,64] [--statements 2000] [--set name=value ...]
  --items <n>        transactions per batch size (1..200000)
  --sizes <list>     batch sizes (each 1..1000)
  --statements <n>   account_statement calls, before and after ANALYZE (1..100000)
  --set name=value   a session setting for the measured connection, e.g. --set plan_cache_mode=force_generic_plan
  -h, --help         show this help
`;

function parseOptions(argv: readonly string[]): { items: number; sizes: number[]; statements: number; set: string[]; help: boolean } {
  const values = parseFlags(argv, {
    items: { type: 'string' },
    sizes: { type: 'string' },
    statements: { type: 'string' },
    set: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  return {
    items: integerFlag('items', values.items, 6000, { min: 1, max: 200_000 }),
    sizes: listFlag('sizes', values.sizes, [1, 2, 4, 8, 16, 64], (size) => integerFlag('sizes', size, 0, { min: 1, max: 1000 })),
    statements: integerFlag('statements', values.statements, 2000, { min: 1, max: 100_000 }),
    set: values.set ?? [],
    help: values.help ?? false,
  };
}

async function main(): Promise<void> {
  const { items, sizes, statements, set } = optionsOrExit(() => parseOptions(process.argv.slice(2)), HELP);
  const meta = runMeta();
  process.stdout.write(`${formatMeta(meta, 'off (one connection, no concurrency: Postgres CPU per call, not throughput)')}\n`);
  const runtime = parseComposeRuntime(await readFile(COMPOSE_FILE, 'utf8'));
  const workDir = await mkdtemp(path.join(tmpdir(), 'crebitos-batch-sql-'));
  const server = new PostgresServer({ dataDir: path.join(workDir, 'postgres'), port: await freePort(), password: 'bench', settings: runtime.postgresSettings });
  const watchdog = setTimeout(() => {
    process.stderr.write('batch-sql: still running after 600 s; giving up\n');
    void server.stop().finally(() => process.exit(3));
  }, 600_000);
  watchdog.unref();
  await server.start();
  try {
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE crebitos');
    await admin.end();
    const url = server.url('crebitos');
    await migrate(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const backendPid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    for (const setting of set) {
      const equals = setting.indexOf('=');
      if (equals <= 0) throw new Error(`--set takes name=value, got "${setting}"`);
      await client.query('SELECT set_config($1, $2, false)', [setting.slice(0, equals), setting.slice(equals + 1)]);
      process.stdout.write(`session setting: ${setting}\n`);
    }

    process.stdout.write('\ntransact_batch    calls  postgres cpu us/call  cpu us/transaction  wall us/transaction\n');
    const results: Record<string, unknown>[] = [];
    const points: [number, number][] = [];
    for (const size of sizes) {
      const calls = Math.max(1, Math.round(items / size));
      const batches = Array.from({ length: calls + 100 }, () => randomBatch(size, false));
      const r = await perCall(backendPid, calls, (i) => client.query({ name: 'transact_batch', text: TRANSACT_BATCH, values: batches[i % batches.length]!, rowMode: 'array' }));
      points.push([size, r.cpuUs]);
      results.push({ kind: 'transact_batch', size, calls, ...r });
      process.stdout.write(
        `${`size ${size}`.padStart(14)}  ${String(calls).padStart(7)}  ${String(r.cpuUs).padStart(20)}  ${String(Math.round(r.cpuUs / size)).padStart(18)}  ${String(Math.round(r.wallUs / size)).padStart(19)}\n`,
      );
    }
    const line = fitLine(points);
    process.stdout.write(`fit: cpu per call = ${line.fixed} us + ${line.perUnit} us x transactions in the batch\n`);

    // What the service sends for a transaction that travels alone (every one at low load).
    const singles = Array.from({ length: items + 100 }, () => randomBatch(1, false));
    const single = await perCall(backendPid, items, (i) => {
      const [[clientId], [valor], [tipo], [descricao]] = singles[i % singles.length]!;
      return client.query({ name: 'transact', text: TRANSACT, values: [clientId, valor, tipo, descricao], rowMode: 'array' });
    });
    results.push({ kind: 'transact', size: 1, calls: items, ...single });
    const batchOfOne = results.find((r) => r.kind === 'transact_batch' && r.size === 1) as { cpuUs: number } | undefined;
    process.stdout.write(
      `${'transact()'.padStart(14)}  ${String(items).padStart(7)}  ${String(single.cpuUs).padStart(20)}  ${String(single.cpuUs).padStart(18)}  ${String(single.wallUs).padStart(19)}` +
        `${batchOfOne ? `  (${(single.cpuUs / batchOfOne.cpuUs).toFixed(2)} x a batch of one)` : ''}\n`,
    );

    const rows = Number((await client.query('SELECT count(*) FROM transacoes')).rows[0].count);
    process.stdout.write(`\naccount_statement (${rows} transactions in the table)  postgres cpu us/call  wall us/call\n`);
    for (const when of ['before ANALYZE', 'after ANALYZE']) {
      if (when === 'after ANALYZE') await client.query('ANALYZE');
      // A fresh name: a new prepared statement, planned with the current statistics.
      const name = `account_statement_${when.split(' ')[0]}`;
      const r = await perCall(backendPid, statements, (i) => client.query({ name, text: ACCOUNT_STATEMENT, values: [1 + (i % 5)], rowMode: 'array' }));
      results.push({ kind: 'account_statement', when, rows, ...r });
      process.stdout.write(`${when.padStart(46)}  ${String(r.cpuUs).padStart(20)}  ${String(r.wallUs).padStart(12)}\n`);
    }
    const plan = await client.query({ text: `EXPLAIN (COSTS OFF) ${ACCOUNT_STATEMENT}`, values: [1] });
    process.stdout.write(`plan after ANALYZE:\n  ${plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n  ')}\n`);
    await client.end();
    process.stdout.write(`\n${JSON.stringify({ meta, items, fit: line, results })}\n`);
  } finally {
    clearTimeout(watchdog);
    await server.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`batch-sql failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
