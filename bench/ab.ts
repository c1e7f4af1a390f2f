// `npm run bench:ab`: the same benchmark on several builds in one run, interleaved (A B C A B C ...)
// so that a drifting machine shifts every variant alike; prints each run and the medians with
// their ratios to the first variant. The variants: `previous` (the given git revision, built in a
// temporary worktree), `current` (this checkout) and `metrics-off` (this checkout, METRICS=false).
//   saturation: each run is `npm run bench -- <bench options>` of that build (its own stack).
//   official:   each run starts that build's `npm start` (under --limits when given) and points
//               this checkout's `npm run loadtest` at it, so every variant meets the same generator.
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { integerFlag, listFlag, optionsOrExit, parseFlags } from '../kit/cli.js';
import { sleep, waitUntil } from '../kit/poll.js';
import { readCpuTimes, stealPercent, type CpuTimes } from '../kit/proc-stat.js';
import { percentile } from '../kit/stats.js';
import { textTable } from '../kit/table.js';
import { freePort } from '../scripts/lib/ports.js';

const ROOT = path.resolve(new URL('../../', import.meta.url).pathname);
const VARIANTS = ['previous', 'current', 'metrics-off'] as const;
type VariantName = (typeof VARIANTS)[number];

const HELP = `Usage: npm run bench:ab -- --against <git rev> [options] [-- <options of the benchmark>]

  --against <rev>      the build to compare with, e.g. HEAD~1 (built in a temporary worktree)
  --mode <m>           saturation (default): npm run bench; official: npm start + npm run loadtest
  --variants <list>    which of ${VARIANTS.join(', ')} to run (default all), in this order
  --rounds <n>         runs of each variant (default 3; official: 1)
  --limits             official mode: run each stack under docker-compose.yml's limits
  -h, --help           show this help

After --, options go to every run: to bench in saturation mode (e.g. --limits --connections 64
--duration 15), to the loadtest in official mode (e.g. --scale 10).
`;

interface Options {
  against: string;
  mode: 'saturation' | 'official';
  variants: VariantName[];
  rounds: number;
  limits: boolean;
  passThrough: string[];
  help: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const values = parseFlags(own, {
    against: { type: 'string' },
    mode: { type: 'string' },
    variants: { type: 'string' },
    rounds: { type: 'string' },
    limits: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const mode = (values.mode ?? 'saturation') as Options['mode'];
  if (mode !== 'saturation' && mode !== 'official') throw new Error(`--mode must be saturation or official, got "${values.mode}"`);
  if (!values.help && values.against === undefined) throw new Error('--against <git rev> is required');
  const variants = listFlag('variants', values.variants, VARIANTS, (name) => {
    if (!(VARIANTS as readonly string[]).includes(name)) throw new Error(`--variants takes ${VARIANTS.join(', ')}, got "${name}"`);
    return name as VariantName;
  });
  return {
    against: values.against ?? '',
    mode,
    variants,
    rounds: integerFlag('rounds', values.rounds, mode === 'official' ? 1 : 3, { min: 1, max: 10 }),
    limits: values.limits ?? false,
    passThrough: split < 0 ? [] : argv.slice(split + 1),
    help: values.help ?? false,
  };
}

interface Measurement {
  variant: VariantName;
  round: number;
  /** Saturation: requests per second; official: share of requests OK in under 250 ms. */
  primary: number;
  p99Ms: number;
  meanMs: number;
  errors: number;
  stealPct: number;
  /** CPU the API instances used per request, in microseconds: robust to other work on the machine. */
  apiCpuUsPerRequest: number;
  note: string;
}

function log(message: string): void {
  process.stderr.write(`[bench:ab] ${message}\n`);
}

function run(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Builds `rev` in a temporary worktree; returns its folder. */
async function buildRevision(rev: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crebitos-ab-'));
  // As root the embedded Postgres runs as the postgres user, which must reach its binaries here.
  await chmod(dir, 0o755);
  execFileSync('git', ['worktree', 'add', '--detach', dir, rev], { cwd: ROOT, stdio: 'inherit' });
  log(`building ${rev} in ${dir}`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--silent'], { cwd: dir, stdio: 'inherit' });
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

function variantRoot(variant: VariantName, previousRoot: string): { root: string; env: Record<string, string> } {
  if (variant === 'previous') return { root: previousRoot, env: {} };
  return { root: ROOT, env: { METRICS: variant === 'metrics-off' ? 'false' : 'true' } };
}

async function newestJson(dir: string, prefix: string): Promise<unknown> {
  const files = (await readdir(dir)).filter((f) => f.startsWith(prefix) && f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no ${prefix}*.json in ${dir}`);
  return JSON.parse(await readFile(path.join(dir, files[files.length - 1]!), 'utf8'));
}

async function saturationRun(variant: VariantName, round: number, previousRoot: string, options: Options): Promise<Measurement> {
  const { root, env } = variantRoot(variant, previousRoot);
  const out = await mkdtemp(path.join(tmpdir(), 'crebitos-ab-out-'));
  const before = await readCpuTimes();
  const code = await run(process.execPath, [path.join(root, 'dist/bench/bench.js'), ...options.passThrough, '--out', out], env, root);
  const steal = stealBetween(before, await readCpuTimes());
  if (code !== 0) throw new Error(`bench of ${variant} exited with ${code}`);
  const result = (await newestJson(out, 'bench-')) as {
    steps: { throughputRps: number; errors: number; latencyMs: { p99: number; mean: number }; serviceCpu?: Record<string, { cpus: number }>; machineCpus?: { other?: number } }[];
  };
  await rm(out, { recursive: true, force: true });
  const best = result.steps.reduce((a, b) => (b.throughputRps > a.throughputRps ? b : a));
  const apiCpus = Object.entries(best.serviceCpu ?? {}).filter(([name]) => name.startsWith('api')).reduce((sum, [, u]) => sum + u.cpus, 0);
  return {
    variant,
    round,
    primary: best.throughputRps,
    p99Ms: best.latencyMs.p99,
    meanMs: best.latencyMs.mean,
    errors: best.errors,
    stealPct: steal,
    apiCpuUsPerRequest: apiCpus > 0 ? Math.round((apiCpus / best.throughputRps) * 1e7) / 10 : NaN,
    note: best.machineCpus?.other === undefined ? '' : `other work ${best.machineCpus.other} CPU`,
  };
}

async function officialRun(variant: VariantName, round: number, previousRoot: string, options: Options): Promise<Measurement> {
  const { root, env } = variantRoot(variant, previousRoot);
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'crebitos-ab-data-'));
  const stack = spawn(process.execPath, [path.join(root, 'dist/scripts/start.js'), ...(options.limits ? ['--limits'] : [])], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stackOutput = '';
  stack.stderr!.on('data', (chunk: Buffer) => (stackOutput += chunk.toString()));
  const exited = new Promise<void>((resolve) => stack.once('exit', () => resolve()));
  const out = await mkdtemp(path.join(tmpdir(), 'crebitos-ab-out-'));
  try {
    await waitUntil(`${variant}'s npm start is ready`, () => stackOutput.includes('ready:') || stack.exitCode !== null, 120_000, 200);
    if (stack.exitCode !== null) throw new Error(`${variant}'s npm start exited:\n${stackOutput}`);
    await sleep(2000);
    const before = await readCpuTimes();
    const code = await run(process.execPath, [path.join(ROOT, 'dist/bench/loadtest/cli.js'), '--url', `http://127.0.0.1:${port}`, ...options.passThrough, '--out', out], {}, ROOT);
    const steal = stealBetween(before, await readCpuTimes());
    const result = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as {
      all: { count: number; ko: number; latency: { p99: number; mean: number } };
      score: { sharePct: number; payoutUsd: number };
      inconsistencies: { official: number };
    };
    return {
      variant,
      round,
      primary: result.score.sharePct,
      p99Ms: Math.round(result.all.latency.p99 * 100) / 100,
      meanMs: Math.round(result.all.latency.mean * 100) / 100,
      errors: result.all.ko,
      stealPct: steal,
      apiCpuUsPerRequest: NaN,
      note: `loadtest exit ${code}, ${result.all.count} requests, payout ${result.score.payoutUsd}, inconsistencies ${result.inconsistencies.official}`,
    };
  } finally {
    stack.kill('SIGINT');
    await exited;
    if (options.limits) process.stderr.write(stackOutput.slice(stackOutput.lastIndexOf('limits')).slice(0, 2000) + '\n');
    await rm(out, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The hypervisor's steal between two readings, NaN where /proc/stat is not there. */
function stealBetween(before: CpuTimes | undefined, after: CpuTimes | undefined): number {
  return before === undefined || after === undefined ? NaN : stealPercent(before, after);
}

function median(values: number[]): number {
  return percentile(Float64Array.from(values).sort(), 50);
}

async function main(): Promise<void> {
  const options = optionsOrExit(() => parseOptions(process.argv.slice(2)), HELP);
  const againstCommit = execFileSync('git', ['rev-parse', '--short', options.against], { cwd: ROOT, encoding: 'utf8' }).trim();
  const currentCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  const previousRoot = options.variants.includes('previous') ? await buildRevision(options.against) : '';
  const measurements: Measurement[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const variant of options.variants) {
        log(`round ${round}: ${variant}`);
        const m = options.mode === 'saturation' ? await saturationRun(variant, round, previousRoot, options) : await officialRun(variant, round, previousRoot, options);
        measurements.push(m);
        log(`round ${round}: ${variant}: ${m.primary} ${options.mode === 'saturation' ? 'req/s' : '% OK < 250 ms'}, p99 ${m.p99Ms} ms, mean ${m.meanMs} ms, API CPU ${m.apiCpuUsPerRequest} us/request, ${m.errors} errors, steal ${m.stealPct.toFixed(1)}% ${m.note}`);
      }
    }
  } finally {
    if (previousRoot !== '') {
      execFileSync('git', ['worktree', 'remove', '--force', previousRoot], { cwd: ROOT, stdio: 'inherit' });
    }
  }
  const unit = options.mode === 'saturation' ? 'req/s' : '% OK <250ms';
  const rows = measurements.map((m) => [String(m.round), m.variant, String(m.primary), String(m.p99Ms), String(m.meanMs), String(m.apiCpuUsPerRequest), String(m.errors), m.stealPct.toFixed(1), m.note]);
  process.stdout.write(`\nbench:ab ${options.mode}: previous = ${againstCommit}, current = ${currentCommit}${dirty ? ' (uncommitted changes)' : ''}; args: ${options.passThrough.join(' ')}\n`);
  process.stdout.write(textTable(['round', 'variant', unit, 'p99 ms', 'mean ms', 'API CPU us/req', 'errors', 'steal %', ''], rows) + '\n\n');
  const base = median(measurements.filter((m) => m.variant === options.variants[0]).map((m) => m.primary));
  const baseCpu = median(measurements.filter((m) => m.variant === options.variants[0]).map((m) => m.apiCpuUsPerRequest));
  const summary = options.variants.map((variant) => {
    const mine = measurements.filter((m) => m.variant === variant);
    const value = median(mine.map((m) => m.primary));
    const cpu = median(mine.map((m) => m.apiCpuUsPerRequest));
    return [variant, String(value), String(median(mine.map((m) => m.p99Ms))), (value / base).toFixed(3), String(cpu), (cpu / baseCpu).toFixed(3)];
  });
  process.stdout.write(
    textTable(['variant', `median ${unit}`, 'median p99 ms', `ratio to ${options.variants[0]}`, 'median API CPU us/req', 'CPU ratio'], summary) + '\n',
  );
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
