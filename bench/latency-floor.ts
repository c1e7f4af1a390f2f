// `npm run bench:floor`: the latency floor at low load, layer by layer. At low load every request
// travels alone and every process on its path wakes from idle, so the end-to-end latency is
// mostly the machine's wake-ups and one durable commit, not our code. This measures sequential
// single round trips, each after an idle gap, from a bare TCP echo up to a new connection through
// nginx, so that each layer's added cost is evidence, not a guess. See bench/RESULTS.md.
// The layers run in blocks, in order, and the whole sequence is repeated (--passes): on a shared
// host the conditions drift within a minute, and one block per layer would charge the drift to
// whichever layer ran at the time.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { TRANSACT } from '../src/ledger/store-sql.js';
import { parseComposeRuntime } from '../scripts/lib/compose-limits.js';
import { applyComposeLimits, COMPOSE_FILE, type ComposeLimits } from '../scripts/lib/limits.js';
import { freePort } from '../scripts/lib/ports.js';
import { Stack } from '../scripts/lib/stack.js';
import { integerFlag, numberFlag, optionsOrExit, parseFlags } from '../kit/cli.js';
import { HttpResponseReader } from '../kit/http-response.js';
import { readCpuTimes, stealPercent } from '../kit/proc-stat.js';
import { connect, EchoFraming, type FloorConnection } from './floor-exchange.js';
import { formatFloorMarkdown, formatFloorTable, summarizeLayer, type LayerSummary } from './floor-stats.js';
import { formatMeta, runMeta } from './run-meta.js';

const HELP = `Usage: npm run bench:floor -- [options]

Sequential single round trips, each after an idle gap, through each layer of the stack in turn:
tcp-echo (two node processes on loopback), pg-select-1, pg-durable-update (one WAL flush),
pg-transact (the service's one-request function), api-direct (one instance, keep-alive),
nginx-keepalive, nginx-new-connection (connect + request + close, the official test's shape).
Starts its own stack (embedded Postgres in a temp dir, two instances, nginx, free ports).
"steal %": of the CPU time the VM wanted during a layer, the share its host ran other work
instead; a contended host slows every wake-up, so compare runs at a similar steal.

Options:
  --gap <ms>        idle time before each round trip (default 5; 0 = back-to-back)
  --samples <n>     measured round trips per layer (default 400), spread over the passes
  --warmup <n>      unmeasured round trips per layer (default 50), spread over the passes
  --passes <n>      times the sequence of layers is repeated (default 4)
  --limits          run each service in its cgroup with docker-compose.yml's CPU/memory limits
  --out <dir>       where the JSON result goes (default bench/out, git-ignored)
  -h, --help        show this help
`;

interface FloorOptions {
  gapMs: number;
  samples: number;
  warmup: number;
  passes: number;
  limits: boolean;
  outDir: string;
  help: boolean;
}

function parseOptions(argv: string[]): FloorOptions {
  const values = parseFlags(argv, {
    gap: { type: 'string' },
    samples: { type: 'string' },
    warmup: { type: 'string' },
    passes: { type: 'string' },
    limits: { type: 'boolean' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  // Bounded: the longest run allowed is ~7 x 2,000 x (100 ms + a round trip), under 30 minutes.
  return {
    gapMs: numberFlag('gap', values.gap, 5, { min: 0, max: 100, unit: 'milliseconds' }),
    samples: integerFlag('samples', values.samples, 400, { min: 10, max: 2000 }),
    warmup: integerFlag('warmup', values.warmup, 50, { min: 0, max: 1000 }),
    passes: integerFlag('passes', values.passes, 4, { min: 1, max: 10 }),
    limits: values.limits ?? false,
    outDir: values.out ?? 'bench/out',
    help: values.help ?? false,
  };
}

function log(message: string): void {
  process.stderr.write(`[floor] ${message}\n`);
}

/** A child node process echoing every byte back (TCP_NODELAY): the other end of tcp-echo. */
const ECHO_SERVER = `const net = require('node:net');
const server = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
process.on('disconnect', () => process.exit(0));`;

function startEchoServer(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`echo server exited with code ${code}`)));
    child.once('message', (port) => resolve({ child, port: Number(port) }));
  });
}

const POST_BODY = '{"valor":1,"tipo":"c","descricao":"floor"}';
const postRequest = (connection: 'keep-alive' | 'close') =>
  `POST /clientes/5/transacoes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${Buffer.byteLength(POST_BODY)}\r\nConnection: ${connection}\r\n\r\n${POST_BODY}`;

/** Fails loudly on any answer but 200: a floor measured on errors would be meaningless. */
async function post200(connection: FloorConnection<HttpResponseReader>, request: string): Promise<void> {
  const response = await connection.send(request);
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${response.body.toString('utf8')}`);
}

/** One POST on a new connection: connect, request, full answer, close. */
async function postOnNewConnection(port: number): Promise<void> {
  const connection = await connect(port, new HttpResponseReader());
  try {
    await post200(connection, postRequest('close'));
  } finally {
    connection.socket.destroy();
  }
}

/** The seven layers, from the machine's floor up to the official test's shape. */
function floorLayers(db: pg.Client, echoPort: number, apiPort: number, nginxPort: number): Layer[] {
  const ping = Buffer.alloc(64, 'x');
  const overSocket = (port: number, request: string) => async () => {
    const connection = await connect(port, new HttpResponseReader());
    return { once: () => post200(connection, request), close: () => connection.socket.destroy() };
  };
  const echo = async () => {
    const connection = await connect(echoPort, new EchoFraming(ping.length));
    return { once: () => connection.send(ping), close: () => connection.socket.destroy() };
  };
  const query = (config: pg.QueryConfig) => async () => ({ once: () => db.query(config) });
  const transact = async () => {
    const { rows } = await db.query({ name: 'floor-transact', text: TRANSACT, values: [5, 1, 'c', 'floor'] });
    if (rows[0]?.status !== 'ok') throw new Error(`transact answered ${JSON.stringify(rows[0])}`);
  };
  return [
    ['tcp-echo', echo],
    ['pg-select-1', query({ name: 'floor-select-1', text: 'SELECT 1' })],
    ['pg-durable-update', query({ name: 'floor-update', text: 'UPDATE clientes SET saldo = saldo WHERE id = 5' })],
    ['pg-transact', async () => ({ once: transact })],
    ['api-direct', overSocket(apiPort, postRequest('keep-alive'))],
    ['nginx-keepalive', overSocket(nginxPort, postRequest('keep-alive'))],
    ['nginx-new-connection', async () => ({ once: () => postOnNewConnection(nginxPort) })],
  ];
}

const STACK_WARMUP_REQUESTS = 2000;

/**
 * Unmeasured POSTs through nginx on 8 connections before any layer: both instances' code is then
 * optimized, as in a load test that has run for a while, so api-direct measures warm code.
 */
async function warmStack(nginxPort: number): Promise<void> {
  let left = STACK_WARMUP_REQUESTS;
  const worker = async () => {
    const connection = await connect(nginxPort, new HttpResponseReader());
    while (left-- > 0) await post200(connection, postRequest('keep-alive'));
    connection.socket.destroy();
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Adds round-trip times in microseconds of `once` to `micros`, each after `gapMs` idle. */
async function measure(once: () => Promise<unknown>, warmup: number, samples: number, gapMs: number, micros: number[]): Promise<void> {
  for (let i = 0; i < warmup + samples; i++) {
    if (gapMs > 0) await sleep(gapMs);
    const started = process.hrtime.bigint();
    await once();
    const elapsed = Number(process.hrtime.bigint() - started) / 1000;
    if (i >= warmup) micros.push(elapsed);
  }
}

/** Pass `pass`'s share of `total` (the first passes take the remainder). */
const share = (total: number, passes: number, pass: number) => Math.floor(total / passes) + (pass < total % passes ? 1 : 0);

type RoundTrip = () => Promise<unknown>;
/** A layer opens its connection per block (uWS closes one idle for 10 s) and closes it after. */
type Layer = [name: string, open: () => Promise<{ once: RoundTrip; close?: () => void }>];

async function main(options: FloorOptions): Promise<void> {
  const meta = runMeta();
  const outDir = path.resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  let limits: ComposeLimits | undefined;
  let stack: Stack | undefined;
  let echo: ChildProcess | undefined;
  let workDir: string | undefined;
  let db: pg.Client | undefined;
  const warnings: string[] = [];
  let shutdownDone: Promise<void> | undefined;
  const shutdown = () =>
    (shutdownDone ??= (async () => {
      echo?.kill();
      await db?.end().catch(() => {});
      await stack?.stop().catch((error: Error) => log(`stopping the stack: ${error.message}`));
      if (limits) process.stderr.write(`${await limits.report()}\n`);
      await limits?.cleanup().catch((error: Error) => log(error.message));
      if (workDir) await rm(workDir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void shutdown().finally(() => process.exit(130));
    });
  }
  // Bound the run: every round trip at its gap plus 50 ms, and 120 s for start and stop.
  const boundS = 120 + (7 * (options.warmup + options.samples) * (options.gapMs + 50)) / 1000;
  const watchdog = setTimeout(() => {
    log(`still running after ${Math.round(boundS)} s: giving up`);
    void shutdown().finally(() => process.exit(3));
  }, boundS * 1000);
  watchdog.unref();

  try {
    // Compose's runtime settings with and without limits, so that only the cgroups differ.
    const runtime = existsSync(COMPOSE_FILE) ? parseComposeRuntime(await readFile(COMPOSE_FILE, 'utf8')) : undefined;
    if (options.limits) limits = await applyComposeLimits(COMPOSE_FILE);
    workDir = await mkdtemp(path.join(tmpdir(), 'crebitos-floor-'));
    log(`starting the stack${limits ? ` under limits (cgroup v${limits.cgroupVersion} at ${limits.location})` : ''}`);
    stack = await Stack.start({
      port: await freePort(),
      dataDir: workDir,
      apiEnv: { ...runtime?.apiEnv, LOG_LEVEL: 'warn' },
      postgresSettings: { ...runtime?.postgresSettings },
      loadBalancer: 'nginx',
      onLog: (source, line) => warnings.push(`[${source}] ${line}`),
      ...(limits ? { wrapCommand: limits.wrapCommand } : {}),
    });
    const limitsText = limits
      ? `on: ${limits.services.map((s) => `${s.service} ${s.cpus} CPU/${s.memoryText}`).join(', ')} (cgroup v${limits.cgroupVersion}; this process and the echo child are not limited)`
      : 'off (every process shares both cores)';
    process.stdout.write(`${formatMeta(meta, limitsText)}\n`);
    process.stdout.write(`method: ${options.samples} sequential round trips per layer after ${options.warmup} unmeasured, each after ${options.gapMs} ms idle${options.gapMs === 0 ? ' (back-to-back)' : ''}, ` +
      `layers in order, the sequence ${options.passes} times; ` +
      `first ${STACK_WARMUP_REQUESTS} unmeasured POSTs through nginx on 8 connections to warm both instances\n\n`);

    const started = await startEchoServer();
    echo = started.child;
    db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    const nginxPort = Number(new URL(stack.url).port);
    await warmStack(nginxPort);
    const layers = floorLayers(db, started.port, stack.instances[0]!.port, nginxPort);

    // A Firecracker VM shares its host: steal says when the host, not the stack, took the time;
    // under --limits, throttled periods say when a quota did.
    const cpuTimes = async () => {
      const times = await readCpuTimes();
      if (times === undefined) throw new Error('no /proc/stat to read the steal from (bench:floor needs Linux)');
      return times;
    };
    const throttled = async () => (await limits?.usage())?.services.reduce((sum, u) => sum + (u.throttledPeriods ?? 0), 0) ?? 0;
    const runs = layers.map(() => ({ micros: [] as number[], busy: 0, steal: 0, throttled: 0 }));
    for (let pass = 0; pass < options.passes; pass++) {
      for (const [i, [name, open]] of layers.entries()) {
        const run = runs[i]!;
        const { once, close } = await open();
        const [cpuBefore, throttledBefore] = [await cpuTimes(), await throttled()];
        await measure(once, share(options.warmup, options.passes, pass), share(options.samples, options.passes, pass), options.gapMs, run.micros);
        const cpuAfter = await cpuTimes();
        run.busy += cpuAfter.busy - cpuBefore.busy;
        run.steal += cpuAfter.steal - cpuBefore.steal;
        run.throttled += (await throttled()) - throttledBefore;
        close?.();
        if (pass === options.passes - 1) log(`${name}: done`);
      }
    }
    const summaries: LayerSummary[] = layers.map(([name], i) => ({
      ...summarizeLayer(name, runs[i]!.micros),
      stealPercent: stealPercent({ busy: 0, steal: 0 }, runs[i]!),
      ...(limits ? { throttledPeriods: runs[i]!.throttled } : {}),
    }));
    const samples = Object.fromEntries(layers.map(([name], i) => [name, runs[i]!.micros.map((us) => Math.round(us * 10) / 10)]));
    process.stdout.write(`${formatFloorTable(summaries)}\n\n${formatFloorMarkdown(summaries)}\n`);

    const loadBalancer = stack.loadBalancer;
    await shutdown();
    const problems = warnings.filter((line) => /"level":"(warn|error)"/.test(line));
    if (problems.length > 0) log(`the instances logged ${problems.length} warnings or errors, e.g.:\n  ${problems.slice(0, 5).join('\n  ')}`);
    const stamp = meta.date.replace(/\.\d+Z$/, '').replace(/:/g, '-');
    const file = path.join(outDir, `floor-${stamp}-gap${options.gapMs}${options.limits ? '-limits' : ''}.json`);
    const json = { meta, options, limits: limits ? { on: true, cgroupVersion: limits.cgroupVersion, services: limits.services } : { on: false }, loadBalancer, layers: summaries, samples };
    await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`\nresult: ${path.relative(process.cwd(), file)}\n`);
  } finally {
    clearTimeout(watchdog);
    await shutdown();
  }
}

const options = optionsOrExit(() => parseOptions(process.argv.slice(2)), HELP);
main(options).then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
