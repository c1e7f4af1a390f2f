// `node dist/bench/pix-statements.js [seconds]`: where a pull's time goes inside Postgres. A local
// stack whose Postgres loads pg_stat_statements (track = all, track_planning on: the statements
// inside the pix functions, and how often each is planned) and tracks function times; 50 ISPBs
// x 6 streams with 6,000 messages each; then 4 connections pull in batches of 8
// (pix_pull_batch, as the store sends them under load) while one connection inserts 2,000
// messages every 80 ms, for `seconds` (default 8). Prints messages/s and the costliest
// statements and functions (bench/RESULTS.md, pix).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../scripts/lib/ports.js';
import { Stack } from '../scripts/lib/stack.js';
import { openSqlStreams, pullStraight } from './pix-sql-load.js';
import { sleep } from '../kit/poll.js';

const seconds = Number(process.argv[2] ?? 8);
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) {
  process.stderr.write('usage: node dist/bench/pix-statements.js [seconds 1..120]\n');
  process.exit(2);
}
const ispbOf = (i: number) => String(10_000_000 + i);

async function main(): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'crebitos-pix-statements-'));
  const stack = await Stack.start({
    port: await freePort(),
    dataDir: workDir,
    loadBalancer: 'nginx',
    apiEnv: { LOG_LEVEL: 'warn' },
    onLog: () => {},
    postgresSettings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all', 'pg_stat_statements.track_planning': 'on', track_functions: 'all' },
  });
  const connect = async () => {
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    return client;
  };
  const admin = await connect();
  try {
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const streams = await openSqlStreams(admin, Array.from({ length: 50 }, (_, i) => ispbOf(i)), 6000);
    await admin.query('SELECT pg_stat_statements_reset()');
    await admin.query('SELECT pg_stat_reset()');
    const clients = await Promise.all(Array.from({ length: 4 }, connect));
    let producing = true;
    const producer = (async () => {
      const client = await connect();
      for (let i = 0; producing; i++) {
        await client.query('SELECT pix_generate_messages($1, 2000)', [ispbOf(i % 50)]);
        await sleep(80);
      }
      await client.end();
    })();
    const { perSecond } = await pullStraight(clients, streams, 8, seconds);
    producing = false;
    await producer;
    await Promise.all(clients.map((client) => client.end()));
    process.stdout.write(`${Math.round(perSecond)} messages/s pulled in ${seconds} s (4 connections, batches of 8, a producer inserting)\n\n`);
    const statements = await admin.query(
      `SELECT calls, plans, round(total_plan_time::numeric, 1) AS plan_ms, round(total_exec_time::numeric, 1) AS exec_ms,
              round((total_exec_time / greatest(calls, 1))::numeric * 1000, 1) AS exec_us_per_call,
              left(regexp_replace(query, '\\s+', ' ', 'g'), 80) AS statement
         FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 12`,
    );
    console.table(statements.rows);
    const functions = await admin.query(
      `SELECT funcname, calls, round(total_time::numeric, 1) AS total_ms, round(self_time::numeric, 1) AS self_ms
         FROM pg_stat_user_functions WHERE funcname LIKE 'pix%' ORDER BY total_time DESC`,
    );
    console.table(functions.rows);
  } finally {
    await admin.end();
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`pix-statements failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
