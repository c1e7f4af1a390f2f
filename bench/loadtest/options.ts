// Command-line options of `npm run loadtest`, read with kit/cli.ts.

import { integerFlag, numberFlag, parseFlags, secondsFlag } from '../../kit/cli.js';

export interface LoadtestOptions {
  url: string;
  scale: number;
  rampS: number;
  holdS: number;
  outDir: string;
  skipValidation: boolean;
  timeoutMs: number;
  maxInFlight: number;
  strict: boolean;
  help: boolean;
}

export const DEFAULTS = {
  url: 'http://localhost:9999',
  scale: 1,
  rampS: 120,
  holdS: 120,
  timeoutS: 60,
  maxInFlight: 20000,
} as const;

export const HELP = `Usage: npm run loadtest -- [options]

Re-creates the official Rinha de Backend 2024 Q1 Gatling stress test
(RinhaBackendCrebitosSimulation): a validation phase, then an open-model load of debits,
credits and statements, each request on its own new connection.

Options:
  --url <url>            API base URL (default ${DEFAULTS.url})
  --scale <x>            rate multiplier (default ${DEFAULTS.scale}; 10 = 2200/1100/100 req/s at the top)
  --ramp <s>             seconds of linear ramp from 1/s to the top rate (default ${DEFAULTS.rampS})
  --hold <s>             seconds at the top rate (default ${DEFAULTS.holdS})
  --out <dir>            report directory (default bench/out/loadtest-<timestamp>)
  --skip-validation      skip the validation phase
  --timeout <s>          per-request timeout in seconds (default ${DEFAULTS.timeoutS}, like Gatling)
  --max-in-flight <n>    outstanding requests beyond which new arrivals are not sent and count
                         as KO "generator overloaded" (default ${DEFAULTS.maxInFlight})
  --strict               exit non-zero if under 98% of requests are OK in < 250 ms, or on any
                         inconsistency or failed validation check
  -h, --help             show this help
`;

export function defaultOutDir(now: Date): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, '').replace(/[:]/g, '-');
  return `bench/out/loadtest-${stamp}`;
}

export function parseOptions(argv: readonly string[], now: Date = new Date()): LoadtestOptions {
  const values = parseFlags(argv, {
    url: { type: 'string' },
    scale: { type: 'string' },
    ramp: { type: 'string' },
    hold: { type: 'string' },
    out: { type: 'string' },
    'skip-validation': { type: 'boolean' },
    timeout: { type: 'string' },
    'max-in-flight': { type: 'string' },
    strict: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const url = values.url ?? DEFAULTS.url;
  try {
    new URL(url);
  } catch {
    throw new Error(`--url is not a valid URL: "${url}"`);
  }
  const rampS = secondsFlag('ramp', values.ramp, DEFAULTS.rampS, { min: 0 });
  const holdS = secondsFlag('hold', values.hold, DEFAULTS.holdS, { min: 0 });
  if (rampS + holdS === 0) throw new Error('--ramp and --hold cannot both be 0');
  const maxInFlight = integerFlag('max-in-flight', values['max-in-flight'], DEFAULTS.maxInFlight, { min: 1 });
  return {
    url,
    scale: numberFlag('scale', values.scale, DEFAULTS.scale, { min: 0, exclusiveMin: true }),
    rampS,
    holdS,
    outDir: values.out ?? defaultOutDir(now),
    skipValidation: values['skip-validation'] ?? false,
    timeoutMs: secondsFlag('timeout', values.timeout, DEFAULTS.timeoutS, { min: 0, exclusiveMin: true }) * 1000,
    maxInFlight,
    strict: values.strict ?? false,
    help: values.help ?? false,
  };
}
