// `npm run bench:cluster`: what the high-availability cluster costs and how long it is without
// a primary, in one run, on this machine:
// 1. saturation throughput: 4 API instances over the Patroni cluster (through HAProxy, strict
//    synchronous replication) vs 2 over one Postgres (the `npm start` shape), both stacks up
//    at once and measured in alternation (closed loop, autocannon, the bench's Rinha mix);
// 2. the cost of synchronous replication per commit: one connection to the primary calling
//    transact() (one commit each), synchronous_commit = on (wait for the standby) vs local
//    (the primary's own WAL flush only), in alternating blocks on the same session;
// 3. the write outage of a failover (kill -9 of the primary's Patroni and Postgres) and of a
//    planned switchover, each --runs times (min/median/max), measured by a closed-loop write load
//    through nginx as the longest time without a 200 (kit/outage.ts, as the fault tests).
// Usage: npm run bench:cluster [-- --duration 8 --connections 64 --rounds 3 --commits 400 --runs 5]
// Bounded: every phase has its count and time; a watchdog stops the run after 20 minutes.
import http from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { integerFlag, optionsOrExit, parseFlags, secondsFlag } from '../kit/cli.js';
import { writeOutageMs, type TimedAnswer } from '../kit/outage.js';
import { sleep } from '../kit/poll.js';
import { readCpuTimes, stealPercent } from '../kit/proc-stat.js';
import { percentile } from '../kit/stats.js';
import { textTable } from '../kit/table.js';
import { CLUSTER_API_ENV, PostgresCluster } from '../scripts/lib/cluster.js';
import { freePort } from '../scripts/lib/ports.js';
import { ensureDatabase, Stack } from '../scripts/lib/stack.js';
import { runLoad, type LoadResult } from './load.js';
import { formatMeta, runMeta } from './run-meta.js';

const HELP = `Usage: npm run bench:cluster [-- --duration 8 --connections 64 --rounds 3 --commits 400 --runs 5]\n`;
const flags = optionsOrExit(() => {
  const values = parseFlags(process.argv.slice(2), {
    duration: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
    commits: { type: 'string' },
    runs: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  return {
    durationS: secondsFlag('duration', values.duration, 8, { min: 1, max: 120 }),
    connections: integerFlag('connections', values.connections, 64, { min: 1, max: 1024 }),
    rounds: integerFlag('rounds', values.rounds, 3, { min: 1, max: 10 }),
    commits: integerFlag('commits', values.commits, 400, { min: 10, max: 20_000 }),
    runs: integerFlag('runs', values.runs, 5, { min: 0, max: 10 }),
    help: values.help ?? false,
  };
}, HELP);

function log(message: string): void {
  process.stderr.write(`[bench:cluster] ${message}\n`);
}

const median = (values: readonly number[]): number => percentile([...values].sort((a, b) => a - b), 50);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A closed-loop write load through nginx recording every answer (for the outages). */
function startWriteLoad(port: number, workers: number): { answers: TimedAnswer[]; stop(): Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const answers: TimedAnswer[] = [];
  let stopped = false;
  let n = 0;
  const send = () =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({ valor: 1, tipo: n++ % 2 === 0 ? 'c' : 'd', descricao: 'outage' });
      const sentAt = Date.now();
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: `/clientes/${1 + (n % 5)}/transacoes`, agent, timeout: 10_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            answers.push({ ok: res.statusCode === 200, sentAt, answeredAt: Date.now() });
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        answers.push({ ok: false, sentAt, answeredAt: Date.now() });
        resolve();
      });
      req.end(body);
    });
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped) {
      await send();
      await sleep(2);
    }
  });
  return {
    answers,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

async function waitForWriteAfter(answers: TimedAnswer[], at: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!answers.some((a) => a.ok && a.sentAt > at)) {
    if (Date.now() > deadline) throw new Error(`no write succeeded within ${timeoutMs} ms`);
    await sleep(50);
  }
  await sleep(500);
}

/** Mean ms per transact() commit on one connection, in alternating blocks of each mode. */
async function commitCost(url: string, commits: number): Promise<{ onMs: number[]; localMs: number[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const onMs: number[] = [];
  const localMs: number[] = [];
  try {
    for (let block = 0; block < 6; block++) {
      const mode = block % 2 === 0 ? 'on' : 'local';
      await client.query(`SET synchronous_commit = ${mode}`);
      const started = process.hrtime.bigint();
      for (let i = 0; i < commits; i++) await client.query({ name: 'transact', text: 'SELECT transact($1, $2, $3, $4)', values: [1 + (i % 5), 1, 'c', 'sync-cost'] });
      const ms = Number(process.hrtime.bigint() - started) / 1e6 / commits;
      (mode === 'on' ? onMs : localMs).push(ms);
    }
    await client.query('SET synchronous_commit = on');
  } finally {
    await client.end();
  }
  return { onMs, localMs };
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    log('watchdog: 20 minutes passed, stopping');
    process.exit(1);
  }, 20 * 60_000);
  watchdog.unref();
  const meta = runMeta();
  const cpuAtStart = await readCpuTimes();
  const workDir = await mkdtemp(path.join(tmpdir(), 'crebitos-bench-cluster-'));
  await chmod(workDir, 0o755); // the cluster's folder inside must be reachable by the postgres user
  const quiet = { LOG_LEVEL: 'warn', MODULES: 'ledger' };
  const stacks: Stack[] = [];
  let cluster: PostgresCluster | undefined;
  try {
    log('starting the cluster (3 etcd, 3 Patroni, HAProxy) and 4 instances over it');
    cluster = await PostgresCluster.start({ workDir: path.join(workDir, 'cluster'), log: () => {} });
    await ensureDatabase(cluster.url(), 'crebitos');
    const clusterPort = await freePort();
    const overCluster = await Stack.start({
      port: clusterPort,
      dataDir: path.join(workDir, 'stack-cluster'),
      databaseUrl: cluster.url('crebitos'),
      loadBalancer: 'nginx',
      instances: 4,
      apiEnv: { ...CLUSTER_API_ENV, ...quiet },
      onLog: () => {},
    });
    stacks.push(overCluster);
    log('starting one Postgres (embedded) and 2 instances over it');
    const singlePort = await freePort();
    const single = await Stack.start({ port: singlePort, dataDir: path.join(workDir, 'stack-single'), loadBalancer: 'nginx', instances: 2, apiEnv: quiet, onLog: () => {} });
    stacks.push(single);

    // 1. Saturation, alternating.
    const results: Record<'single' | 'cluster', LoadResult[]> = { single: [], cluster: [] };
    for (let round = 1; round <= flags.rounds; round++) {
      for (const [name, stack] of [['single', single], ['cluster', overCluster]] as const) {
        const result = await runLoad(stack.url, flags.connections, flags.durationS);
        results[name].push(result);
        log(`round ${round} ${name}: ${fmt(result.throughputRps)} req/s, p99 ${result.latencyMs.p99} ms, errors ${result.errors}`);
      }
    }

    // 2. Synchronous replication per commit, on the cluster's primary.
    log(`commit cost: ${flags.commits} transact() commits per block, 3 blocks per mode`);
    const cost = await commitCost(cluster.url('crebitos'), flags.commits);

    // 3. Outages.
    const failovers: number[] = [];
    const switchovers: number[] = [];
    for (let run = 1; run <= flags.runs; run++) {
      const load = startWriteLoad(clusterPort, 8);
      await sleep(1000);
      const primary = (await cluster.primary())!;
      const at = Date.now();
      await primary.killHard();
      await waitForWriteAfter(load.answers, at, 30_000);
      await load.stop();
      failovers.push(writeOutageMs(load.answers, at));
      log(`failover ${run}: ${primary.name} killed, write outage ${failovers.at(-1)} ms; waiting for it to rejoin`);
      await cluster.waitUntilHealthy(120_000);
    }
    for (let run = 1; run <= flags.runs; run++) {
      const load = startWriteLoad(clusterPort, 8);
      await sleep(1000);
      const at = Date.now();
      const to = await cluster.switchover();
      await waitForWriteAfter(load.answers, Date.now(), 30_000);
      await load.stop();
      const failed = load.answers.filter((a) => !a.ok && a.sentAt >= at).length;
      switchovers.push(writeOutageMs(load.answers, at));
      log(`switchover ${run} to ${to}: write outage ${switchovers.at(-1)} ms, ${failed} writes failed`);
      await cluster.waitUntilHealthy(120_000);
    }
    const cpuAtEnd = await readCpuTimes();

    // Report.
    const row = (name: string, rs: LoadResult[]) => [
      name,
      fmt(median(rs.map((r) => r.throughputRps))),
      rs.map((r) => fmt(r.throughputRps)).join(' / '),
      fmt(median(rs.map((r) => r.latencyMs.p99))),
      String(rs.reduce((sum, r) => sum + r.errors, 0)),
    ];
    const singleRps = median(results.single.map((r) => r.throughputRps));
    const clusterRps = median(results.cluster.map((r) => r.throughputRps));
    const onMs = median(cost.onMs);
    const localMs = median(cost.localMs);
    const mmm = (xs: number[]) => (xs.length === 0 ? 'not run' : `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))} ms`);
    const steal = cpuAtStart && cpuAtEnd ? `${stealPercent(cpuAtStart, cpuAtEnd)}%` : 'unknown';
    const report = [
      formatMeta(meta, 'no cgroup limits'),
      `steal:   ${steal} of the CPU time wanted during the run (/proc/stat); the machine is shared with other work`,
      '',
      `Saturation, closed loop, ${flags.connections} connections, ${flags.durationS} s per run, ${flags.rounds} rounds alternating (MODULES=ledger):`,
      textTable(['stack', 'median req/s', 'runs', 'median p99 ms', 'errors'], [row('2 instances over one Postgres', results.single), row('4 instances over the cluster', results.cluster)], { align: ['left', 'right', 'right', 'right', 'right'] }),
      `ratio cluster / single: ${fmt(clusterRps / singleRps, 2)}`,
      '',
      `Per commit (transact(), one connection to the primary, ${flags.commits} commits x 3 blocks per mode, alternating):`,
      `  synchronous_commit = on (waits for the synchronous standby): ${fmt(onMs, 3)} ms  (blocks ${cost.onMs.map((x) => fmt(x, 3)).join(', ')})`,
      `  synchronous_commit = local (primary's WAL flush only):       ${fmt(localMs, 3)} ms  (blocks ${cost.localMs.map((x) => fmt(x, 3)).join(', ')})`,
      `  synchronous replication costs ${fmt(onMs - localMs, 3)} ms per commit (x${fmt(onMs / localMs, 2)})`,
      '',
      `Write outage (longest time without a 200 through nginx, 8 closed-loop writers), ${flags.runs} runs each, min / median / max:`,
      `  failover (kill -9 of the primary's Patroni + Postgres): ${mmm(failovers)}  (${failovers.map((x) => fmt(x)).join(', ')})`,
      `  planned switchover (drain + Patroni /switchover):        ${mmm(switchovers)}  (${switchovers.map((x) => fmt(x)).join(', ')})`,
    ].join('\n');
    process.stdout.write(`${report}\n`);
  } finally {
    for (const stack of stacks.reverse()) await stack.stop().catch(() => {});
    await cluster?.stop().catch(() => {});
    await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
