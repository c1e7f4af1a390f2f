// Command-line options of `npm run bench` (bench/bench.ts), read with kit/cli.ts.
import { API_SETTING_NAMES } from '../kit/api-env.js';
import { integerFlag, listFlag, numberFlag, parseFlags, secondsFlag } from '../kit/cli.js';

export interface BenchOptions {
  /** Bench this running stack instead of starting one. */
  url: string | undefined;
  /** Start the stack under docker-compose.yml's limits (scripts/lib/limits.ts). */
  limits: boolean;
  connections: number;
  durationS: number;
  warmupS: number;
  findSaturation: boolean;
  /** Concurrency steps of --find-saturation. */
  steps: number[];
  /** A step counts only when its p99 is below this and it had no error. */
  p99MaxMs: number;
  /** --cpu-prof the instances and enable pg_stat_statements; figures are then not comparable. */
  profile: boolean;
  outDir: string;
  /** Before each step, wait up to this many seconds for the machine to be idle (0: do not wait). */
  waitIdleS: number;
  /** Measure from a cold start: do not extend the warm-up until Postgres has statistics. */
  cold: boolean;
  /** Another compose file for the limits and runtime settings (to try a different split). */
  compose: string | undefined;
  help: boolean;
}

export const DEFAULTS = {
  connections: 64,
  durationS: 15,
  saturationDurationS: 10,
  warmupS: 3,
  steps: [8, 16, 32, 64, 128, 256],
  p99MaxMs: 30,
  outDir: 'bench/out',
} as const;

/** Every run is bounded: no step longer than this, no more steps than MAX_STEPS. */
export const MAX_DURATION_S = 300;
export const MAX_STEPS = 12;
export const MAX_CONNECTIONS = 4096;
/** Longest warm-up while waiting for autovacuum to analyze transacoes (its naptime is 60 s). */
export const MAX_ANALYZE_WAIT_S = 150;

/** The API settings a caller's environment passes to the instances: npm start's, but LOG_LEVEL (bench counts the warnings). */
export const BENCH_API_SETTINGS = API_SETTING_NAMES.filter((name) => name !== 'LOG_LEVEL');

export const HELP = `Usage: npm run bench -- [options]

Closed-loop HTTP benchmark (autocannon, keep-alive) of a mixed workload: debits, credits and
statements in the ratio 22 : 11 : 1 (the official test's), on clients 1-5 at random, valor
1..10000 at random. Starts its own stack (embedded Postgres in a temp dir, two instances, nginx,
on free 127.0.0.1 ports) unless --url is given. Any answer other than 200 or 422, and any
socket error or timeout, is an error.

Options:
  --limits               run the stack under docker-compose.yml's CPU and memory limits, one
                         cgroup per service (needs root); reports each service's peak memory
  --compose <file>       take the limits and runtime settings from this file instead of
                         docker-compose.yml (to try another split of the 1.5 CPU / 550MB)
  --url <url>            bench an already running stack instead (e.g. http://127.0.0.1:9999)
  --connections <n>      concurrent keep-alive connections (default ${DEFAULTS.connections})
  --duration <s>         measured seconds per run or step (default ${DEFAULTS.durationS}, ${DEFAULTS.saturationDurationS} per
                         step with --find-saturation; at most ${MAX_DURATION_S})
  --warmup <s>           unmeasured seconds of the same load first (default ${DEFAULTS.warmupS}; 0 = none).
                         On the stack bench starts, the warm-up goes on (5 s at a time, up to
                         ${MAX_ANALYZE_WAIT_S} s) until autovacuum has analyzed transacoes: before that, the
                         instances' cached plans were made for an empty table (see RESULTS.md)
  --cold                 do not extend the warm-up: measure the first minute of a fresh database
  --find-saturation      step the concurrency (--steps) and report the highest throughput whose
                         p99 is below --p99 ms with zero errors
  --steps <list>         concurrency steps (default ${DEFAULTS.steps.join(',')})
  --p99 <ms>             latency bound of --find-saturation (default ${DEFAULTS.p99MaxMs})
  --profile              node --cpu-prof of both instances and pg_stat_statements in Postgres;
                         summaries go to the output (profiling slows the service: do not quote
                         these figures as throughput)
  --wait-idle <s>        before the warm-up and each step, wait up to <s> seconds for the machine
                         to be idle (other work skews a shared machine's figures; default 0);
                         a step that other work still skewed (> 0.15 CPU) is measured again, twice at most
  --out <dir>            where the JSON result goes (default ${DEFAULTS.outDir}, git-ignored)
  -h, --help             show this help

Environment: LIMITS=1 is --limits. These API settings go to both instances, over
docker-compose.yml's values (which the stack otherwise gets, with or without --limits, so that
only the cgroups differ): ${BENCH_API_SETTINGS.join(', ')}.
The instances log at warn.
`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const values = parseFlags(argv, {
    limits: { type: 'boolean' },
    url: { type: 'string' },
    connections: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'find-saturation': { type: 'boolean' },
    steps: { type: 'string' },
    p99: { type: 'string' },
    profile: { type: 'boolean' },
    out: { type: 'string' },
    'wait-idle': { type: 'string' },
    cold: { type: 'boolean' },
    compose: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const findSaturation = values['find-saturation'] ?? false;
  const url = values.url?.replace(/\/+$/, '');
  if (url !== undefined && !/^http:\/\/[^/]+$/.test(url)) throw new Error(`--url must be http://host:port, got "${values.url}"`);
  const limits = values.limits ?? process.env.LIMITS === '1';
  if (url !== undefined && limits) throw new Error('--limits applies to the stack bench starts; it cannot limit the one at --url');
  if (url !== undefined && values.compose !== undefined) throw new Error('--compose applies to the stack bench starts; not available with --url');
  if (url !== undefined && values.profile) throw new Error('--profile needs the stack bench starts; not available with --url');
  const steps = listFlag('steps', values.steps, DEFAULTS.steps, (step) => integerFlag('steps', step, 0, { min: 1, max: MAX_CONNECTIONS }));
  if (steps.length === 0 || steps.length > MAX_STEPS) throw new Error(`--steps takes 1 to ${MAX_STEPS} values`);
  const p99 = numberFlag('p99', values.p99, DEFAULTS.p99MaxMs, { min: 0, exclusiveMin: true, unit: 'milliseconds' });
  return {
    url,
    limits,
    connections: integerFlag('connections', values.connections, DEFAULTS.connections, { min: 1, max: MAX_CONNECTIONS }),
    durationS: secondsFlag('duration', values.duration, findSaturation ? DEFAULTS.saturationDurationS : DEFAULTS.durationS, { min: 1, max: MAX_DURATION_S }),
    warmupS: secondsFlag('warmup', values.warmup, DEFAULTS.warmupS, { min: 0, max: MAX_DURATION_S }),
    findSaturation,
    steps: [...new Set(steps)].sort((a, b) => a - b),
    p99MaxMs: p99,
    profile: values.profile ?? false,
    outDir: values.out ?? DEFAULTS.outDir,
    waitIdleS: secondsFlag('wait-idle', values['wait-idle'], 0, { min: 0, max: MAX_DURATION_S }),
    cold: values.cold ?? false,
    compose: values.compose,
    help: values.help ?? false,
  };
}
