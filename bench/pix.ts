// `npm run bench:pix`: the Pix message streams on the whole local stack (embedded Postgres,
// nginx, two instances), in three bounded phases:
//   throughput  50 ISPBs x 6 streams pulling multipart/json through nginx while producers insert
//               (POST /api/util/msgs) ahead of them: messages delivered per second, end to end;
//   latency     one idle waiting pull; a commit of one message for its ISPB (straight in SQL):
//               from the commit's acknowledgement (and from the insert's send) to the answer;
//   memory      1,000 idle waiting pulls straight at one instance: its RSS above idle (idle
//               measured after a first round of 1,000 opened and abandoned).
// Prints the figures with the commit, machine, date and command (bench/RESULTS.md, pix).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { integerFlag, optionsOrExit, parseFlags } from '../kit/cli.js';
import { pollUntil, sleep } from '../kit/poll.js';
import { summarize } from '../kit/stats.js';
import { textTable } from '../kit/table.js';
import { freePort } from '../scripts/lib/ports.js';
import { Stack } from '../scripts/lib/stack.js';
import { openSqlStreams, pullStraight } from './pix-sql-load.js';
import { formatMeta, runMeta } from './run-meta.js';

const HELP = `npm run bench:pix [-- options]

  --duration S      throughput phase, seconds measured after a 3 s warm-up (default 15)
  --ispbs N         ISPBs in the throughput phase, 6 streams each (default 50)
  --samples N       latency samples (default 200)
  --polls N         idle waiting pulls in the memory phase (default 1000)
  --pool N          DB_POOL_SIZE of each instance (default 3, compose's)
  -h, --help
`;

interface Options {
  help: boolean;
  durationS: number;
  ispbs: number;
  samples: number;
  polls: number;
  pool: number;
}

function parseOptions(argv: readonly string[]): Options {
  const flags = parseFlags(argv, {
    duration: { type: 'string' },
    ispbs: { type: 'string' },
    samples: { type: 'string' },
    polls: { type: 'string' },
    pool: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  return {
    help: flags.help === true,
    durationS: integerFlag('duration', flags.duration as string | undefined, 15, { min: 1, max: 300, unit: 'seconds' }),
    ispbs: integerFlag('ispbs', flags.ispbs as string | undefined, 50, { min: 1, max: 300 }),
    samples: integerFlag('samples', flags.samples as string | undefined, 200, { min: 1, max: 5000 }),
    polls: integerFlag('polls', flags.polls as string | undefined, 1000, { min: 1, max: 1800 }),
    pool: integerFlag('pool', flags.pool as string | undefined, 3, { min: 1, max: 50 }),
  };
}

function log(message: string): void {
  process.stderr.write(`[bench:pix] ${message}\n`);
}

const ispbOf = (i: number) => String(10_000_000 + i);
const MULTIPART = { accept: 'multipart/json' };

/** Messages in a multipart/json answer, without parsing it. */
function countMessages(text: string): number {
  let n = 0;
  for (let at = text.indexOf('"endToEndId"'); at !== -1; at = text.indexOf('"endToEndId"', at + 12)) n++;
  return n;
}

async function throughput(base: string, options: Options): Promise<{ perSecond: number; delivered: number; seconds: number; produced: number; pulls: number }> {
  let delivered = 0;
  let produced = 0;
  let pulls = 0;
  let running = true;
  // undici's request API on one keep-alive connection per collector, not fetch(): the load
  // generator shares the 2 cores with what it measures, and fetch costs several times the CPU
  // per request (WHATWG streams and headers).
  const collectors = options.ispbs * 6;
  const http = new Pool(base, { connections: collectors + 2 });
  const collector = async (ispb: string) => {
    let path = `/api/pix/${ispb}/stream/start`;
    while (running) {
      const response = await http.request({ path, method: 'GET', headers: MULTIPART });
      const text = await response.body.text();
      if (response.statusCode === 200 || response.statusCode === 204) {
        delivered += countMessages(text);
        pulls++;
        path = response.headers['pull-next'] as string;
      } else {
        await sleep(20); // 429 or 5xx: try again
      }
    }
    if (!path.endsWith('/start')) await http.request({ path, method: 'DELETE' }).then((r) => r.body.text());
  };
  // Producers keep about 20 pulls' worth of messages per stream ahead of the collectors.
  const backlog = options.ispbs * 6 * 10 * 20;
  const producer = async (offset: number) => {
    for (let i = offset; running; i += 2) {
      if (produced - delivered > backlog) {
        await sleep(5);
        continue;
      }
      const response = await http.request({ path: `/api/util/msgs/${ispbOf(i % options.ispbs)}/2000`, method: 'POST' });
      await response.body.text();
      if (response.statusCode === 201) produced += 2000;
    }
  };
  const tasks = [
    ...Array.from({ length: collectors }, (_, i) => collector(ispbOf(i % options.ispbs))),
    producer(0),
    producer(1),
  ];
  await sleep(3000);
  const startDelivered = delivered;
  const startPulls = pulls;
  const startedAt = performance.now();
  await sleep(options.durationS * 1000);
  const seconds = (performance.now() - startedAt) / 1000;
  const measured = delivered - startDelivered;
  const measuredPulls = pulls - startPulls;
  running = false;
  await Promise.all(tasks);
  await http.close();
  return { perSecond: measured / seconds, delivered: measured, seconds, produced, pulls: measuredPulls };
}

async function latency(base: string, databaseUrl: string, samples: number) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const fromCommit: number[] = [];
  const fromSend: number[] = [];
  const ispb = ispbOf(900);
  let path = `/api/pix/${ispb}/stream/start`;
  try {
    for (let i = 0; i < samples; i++) {
      const answer = fetch(`${base}${path}`, { headers: { accept: 'application/json' } }).then(async (response) => {
        const at = performance.now();
        await response.text();
        if (response.status !== 200) throw new Error(`pull answered ${response.status}`);
        path = response.headers.get('pull-next')!;
        return at;
      });
      await sleep(30); // the pull's first claim came back empty: it waits, idle
      const sentAt = performance.now();
      await client.query({ name: 'generate', text: 'SELECT pix_generate_messages($1, 1)', values: [ispb] });
      const committedAt = performance.now();
      const answeredAt = await answer;
      fromCommit.push(answeredAt - committedAt);
      fromSend.push(answeredAt - sentAt);
    }
  } finally {
    await fetch(`${base}${path}`, { method: 'DELETE' }).then((r) => r.text()).catch(() => {});
    await client.end();
  }
  return { fromCommit: summarize(fromCommit), fromSend: summarize(fromSend) };
}

/** The database's own ceiling, no HTTP (bench/pix-sql-load.ts): 10 receivers, 30,000 messages each (more than a phase drains). */
async function sqlCeiling(databaseUrl: string, seconds: number, connections: number, perCall: number, firstIspb: number) {
  const connect = async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return client;
  };
  const admin = await connect();
  const streams = await openSqlStreams(admin, Array.from({ length: 10 }, (_, i) => ispbOf(firstIspb + i)), 30_000);
  const clients = await Promise.all(Array.from({ length: connections }, connect));
  const figures = await pullStraight(clients, streams, perCall, seconds);
  await Promise.all([...clients, admin].map((client) => client.end()));
  return figures;
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]);
}

async function memory(base: string, pid: number, polls: number) {
  const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);
  // In chunks of 50: a burst of 1,000 starts (two queries each) would wait on the pool of 3
  // connections past DB_CONNECT_TIMEOUT_MS, and the late ones be answered 503.
  const open = async (round: number, controller: AbortController) => {
    const pending: Promise<number>[] = [];
    let answered = 0; // before the abort: refused (503) or not idle after all
    for (let i = 0; i < polls; i++) {
      pending.push(
        fetch(`${base}/api/pix/${ispbOf(20_000 + round * 1000 + Math.floor(i / 6))}/stream/start`, { signal: controller.signal }).then(
          (r) => {
            if (!controller.signal.aborted) answered++;
            return r.status;
          },
          () => 0,
        ),
      );
      if ((i + 1) % 50 === 0 || i + 1 === polls) {
        await pollUntil(async () => (await metric('crebitos_pix_polls')) >= i + 1 - answered, { timeoutMs: 3000, intervalMs: 20 });
      }
    }
    return pending;
  };
  // A first round, opened then abandoned, so that "idle" is an instance that has served this
  // traffic once: V8's young generation and uWS's buffers grown, its garbage not per-poll memory.
  const warm = new AbortController();
  const warmPending = await open(0, warm);
  warm.abort();
  await Promise.all(warmPending);
  await sleep(2000);
  const idle = await rssKiB(pid);
  const idleHeap = await metric('crebitos_nodejs_heap_size_used_bytes');
  const controller = new AbortController();
  const pending = await open(1, controller);
  const waiting = await metric('crebitos_pix_polls');
  await sleep(1000);
  const held = await rssKiB(pid);
  const heldHeap = await metric('crebitos_nodejs_heap_size_used_bytes');
  controller.abort();
  const statuses = await Promise.all(pending);
  return { idleMiB: idle / 1024, openMiB: held / 1024, heapDeltaMiB: (heldHeap - idleHeap) / 2 ** 20, waiting, early: statuses.filter((s) => s !== 0).length };
}

async function main(options: Options): Promise<number> {
  const meta = runMeta();
  const workDir = await mkdtemp(path.join(tmpdir(), 'crebitos-bench-pix-'));
  const watchdog = setTimeout(() => {
    log('still running after the bound: giving up');
    void stack?.stop().finally(() => process.exit(3));
  }, (options.durationS + 300) * 1000);
  watchdog.unref();
  let stack: Stack | undefined;
  try {
    const port = await freePort();
    stack = await Stack.start({
      port,
      dataDir: workDir,
      loadBalancer: 'nginx',
      // Waits long enough that the memory phase's pulls stay idle while it measures.
      apiEnv: { LOG_LEVEL: 'warn', PIX_POLL_WAIT_MS: '20000', SHUTDOWN_GRACE_MS: '300', DB_POOL_SIZE: String(options.pool) },
      onLog: (source, line) => log(`${source}: ${line}`),
    });
    log(`stack up on ${stack.url}; throughput phase (${options.ispbs} ISPBs x 6 streams, ${options.durationS} s)`);
    const through = await throughput(stack.url, options);
    log(`latency phase (${options.samples} samples)`);
    const lat = await latency(stack.url, stack.databaseUrl, options.samples);
    log('SQL ceiling phases (no HTTP, 8 s each): single pulls on 6 connections, batches of 8 on 4');
    const ceiling = await sqlCeiling(stack.databaseUrl, 8, 6, 1, 3000);
    const batchedCeiling = await sqlCeiling(stack.databaseUrl, 8, 4, 8, 3100);
    log(`memory phase (${options.polls} idle pulls on api01, restarted so that its idle RSS is a fresh instance's)`);
    const api01 = stack.instances[0]!;
    await api01.stop('SIGTERM');
    await api01.start();
    const mem = await memory(`http://127.0.0.1:${api01.port}`, api01.pid!, options.polls);
    const ms = (v: number) => v.toFixed(2);
    process.stdout.write(
      `${formatMeta(meta, 'none (the 2-core machine, shared)')}\n\n` +
        textTable(
          ['measure', 'figure', 'target'],
          [
            ['throughput, multipart/json, end to end', `${Math.round(through.perSecond)} messages/s (${through.delivered} in ${through.seconds.toFixed(1)} s, ${through.pulls} pulls)`, '>= 20,000 messages/s'],
            ['the database alone: pix_pull of 10 on 6 connections', `${Math.round(ceiling.perSecond)} messages/s (${Math.round(ceiling.pullsPerSecond)} pulls/s)`, ''],
            ['the database alone: pix_pull_batch of 8 pulls of 10 on 4 connections', `${Math.round(batchedCeiling.perSecond)} messages/s (${Math.round(batchedCeiling.pullsPerSecond)} pulls/s)`, ''],
            ['commit -> answer of an idle waiting pull, p50 / p99 / max', `${ms(lat.fromCommit.p50)} / ${ms(lat.fromCommit.p99)} / ${ms(lat.fromCommit.max)} ms`, 'p99 < 10 ms'],
            ['insert sent -> answer, p50 / p99', `${ms(lat.fromSend.p50)} / ${ms(lat.fromSend.p99)} ms`, ''],
            [`RSS of api01 with ${mem.waiting} idle waiting pulls`, `${mem.openMiB.toFixed(1)} MiB, ${(mem.openMiB - mem.idleMiB).toFixed(1)} MiB above idle (${mem.idleMiB.toFixed(1)} MiB); JS heap used ${mem.heapDeltaMiB >= 0 ? '+' : ''}${mem.heapDeltaMiB.toFixed(1)} MiB`, '< 20 MB above idle'],
          ],
        ) +
        '\n',
    );
    if (mem.early > 0) log(`${mem.early} of the memory phase's pulls answered before the measurement`);
    return 0;
  } finally {
    await stack?.stop().catch(() => {});
    await rm(workDir, { recursive: true, force: true });
  }
}

const options = optionsOrExit(() => parseOptions(process.argv.slice(2)), HELP);
main(options).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
