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
import { PULL_BATCH } from '../src/pix/store-sql.js';
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
    const streams: { ispb: string; id: number; seen: number; busy: boolean }[] = [];
    for (let i = 0; i < 50; i++) {
      await admin.query('SELECT pix_generate_messages($1, 6000)', [ispbOf(i)]);
      for (let k = 0; k < 6; k++) {
        const { rows } = await admin.query("SELECT stream_id FROM pix_start_stream($1, 6, '60 seconds')", [ispbOf(i)]);
        streams.push({ ispb: ispbOf(i), id: Number(rows[0].stream_id), seen: 0, busy: false });
      }
    }
    await admin.query('SELECT pg_stat_statements_reset()');
    await admin.query('SELECT pg_stat_reset()');
    const clients = await Promise.all(Array.from({ length: 4 }, connect));
    let next = 0;
    let messages = 0;
    let producing = true;
    const producer = (async () => {
      const client = await connect();
      for (let i = 0; producing; i++) {
        await client.query('SELECT pix_generate_messages($1, 2000)', [ispbOf(i % 50)]);
        await sleep(80);
      }
      await client.end();
    })();
    const startedAt = performance.now();
    const end = startedAt + seconds * 1000;
    await Promise.all(clients.map(async (client) => {
      while (performance.now() < end) {
        const batch: (typeof streams)[number][] = [];
        while (batch.length < 8) {
          const stream = streams[next++ % streams.length]!;
          if (stream.busy) continue;
          stream.busy = true;
          batch.push(stream);
        }
        const { rows } = await client.query({
          name: 'pull_batch',
          text: PULL_BATCH,
          values: [batch.map((s) => s.id), batch.map((s) => s.ispb), batch.map((s) => s.seen), batch.map(() => 10), batch.map(() => '60 seconds')],
        });
        for (const row of rows) {
          const stream = batch[row.item - 1]!;
          stream.seen = row.pull_no;
          stream.busy = false;
          messages += row.claimed;
        }
      }
    }));
    const elapsed = (performance.now() - startedAt) / 1000;
    producing = false;
    await producer;
    await Promise.all(clients.map((client) => client.end()));
    process.stdout.write(`${Math.round(messages / elapsed)} messages/s pulled in ${elapsed.toFixed(1)} s (4 connections, batches of 8, a producer inserting)\n\n`);
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
