// Was the load generator itself keeping up? An open-model test is only meaningful if arrivals
// leave on schedule; when they do not, slow "responses" may be the generator's fault.

import { summarize } from '../../kit/stats.js';
import type { LatencySummary } from './stats.js';

/** Thresholds past which we say the generator fell behind. */
export const LAG_P99_LIMIT_MS = 5;
export const LAG_MAX_LIMIT_MS = 50;

export interface GeneratorHealth {
  lag: LatencySummary;
  /** Arrivals issued more than LAG_MAX_LIMIT_MS late. */
  lateArrivals: number;
  /** Arrivals not sent because --max-in-flight requests were outstanding. */
  notSent: number;
  maxInFlight: number;
  /** Arrivals left late: this machine, not the server, shaped part of the numbers. */
  fellBehind: boolean;
  /** Why `fellBehind`, empty when the schedule was kept. */
  problems: string[];
  /** The --max-in-flight bound was hit (usually a server too slow for the arrival rate). */
  capped: boolean;
  capNote: string | null;
}

export function assessGenerator(lagMs: ArrayLike<number>, notSent: number, maxInFlight: number, inFlightLimit: number): GeneratorHealth {
  const lag = summarize(lagMs);
  let lateArrivals = 0;
  for (let i = 0; i < lagMs.length; i++) if (lagMs[i]! > LAG_MAX_LIMIT_MS) lateArrivals++;
  const problems: string[] = [];
  if (lag.count > 0 && lag.p99 > LAG_P99_LIMIT_MS) {
    problems.push(`p99 send lag ${lag.p99.toFixed(2)} ms exceeds ${LAG_P99_LIMIT_MS} ms`);
  }
  if (lateArrivals > 0) {
    problems.push(`${lateArrivals} arrival(s) were issued more than ${LAG_MAX_LIMIT_MS} ms late (max ${lag.max.toFixed(1)} ms)`);
  }
  const capNote =
    notSent > 0
      ? `${notSent} arrival(s) were not sent because ${inFlightLimit} requests were already in flight ` +
        '(--max-in-flight); they count as KO "generator overloaded" and have no response time'
      : null;
  return { lag, lateArrivals, notSent, maxInFlight, fellBehind: problems.length > 0, problems, capped: capNote !== null, capNote };
}
