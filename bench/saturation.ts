// The saturation figure: the highest throughput among the concurrency steps whose p99 stayed
// below the bound with zero errors; and the table every run prints.
import { textTable } from '../kit/table.js';
import type { DbDelta } from './db-stats.js';
import type { LimitsUsage } from '../scripts/lib/limits.js';
import type { LoadResult } from './load.js';

export interface Step extends LoadResult {
  db: DbDelta | undefined;
  /** Under limits: CPUs each service used during the step (of its quota), and its throttled periods. */
  serviceCpu?: Record<string, { cpus: number; quota: number; throttledPeriods: number | undefined }>;
  /** CPUs in use on the whole machine during the step, and how much of it was neither the stack nor the generator. */
  machineCpus?: { busy: number; stack: number | undefined; generator: number; other: number | undefined };
  /** How many times the step was measured (a skewed one is measured again under --wait-idle). */
  attempts?: number;
}

/** More than this many CPUs used by neither the stack nor the generator: the step is not clean. */
export const SKEWED_OTHER_CPUS = 0.15;

export function isSkewed(step: Pick<Step, 'machineCpus'>): boolean {
  return (step.machineCpus?.other ?? 0) > SKEWED_OTHER_CPUS;
}

/** The CPU each service used between two readings of the limits' usage. */
export function serviceCpu(before: LimitsUsage, after: LimitsUsage, seconds: number): NonNullable<Step['serviceCpu']> {
  const result: NonNullable<Step['serviceCpu']> = {};
  for (const service of after.services) {
    const earlier = before.services.find((s) => s.service === service.service);
    if (earlier === undefined || service.cpuSeconds === undefined || earlier.cpuSeconds === undefined) continue;
    result[service.service] = {
      cpus: Math.round(((service.cpuSeconds - earlier.cpuSeconds) / seconds) * 100) / 100,
      quota: service.limits?.cpus ?? 0,
      throttledPeriods:
        service.throttledPeriods === undefined || earlier.throttledPeriods === undefined ? undefined : service.throttledPeriods - earlier.throttledPeriods,
    };
  }
  return result;
}

export function formatServiceCpu(step: Step, enforced: boolean): string {
  const lines: string[] = [];
  if (step.serviceCpu) {
    const parts = Object.entries(step.serviceCpu).map(
      ([name, u]) => `${name} ${u.cpus}${enforced ? `/${u.quota}` : ''}${u.throttledPeriods ? ` (${u.throttledPeriods} throttled)` : ''}`,
    );
    lines.push(`${enforced ? 'cpus used/limit' : 'cpus used (no limits)'}: ${parts.join(', ')}`);
  }
  const m = step.machineCpus;
  if (m) {
    lines.push(
      `machine: ${m.busy} cpus busy = stack ${m.stack ?? '?'} + generator ${m.generator} + other ${m.other ?? '?'}` +
        (isSkewed(step) ? '  <- other work on the machine skewed this step' : ''),
    );
  }
  return lines.join('\n  ');
}

export function qualifies(step: Pick<LoadResult, 'latencyMs' | 'errors'>, p99MaxMs: number): boolean {
  return step.errors === 0 && step.latencyMs.p99 < p99MaxMs;
}

export function pickSaturation<T extends Pick<LoadResult, 'latencyMs' | 'errors' | 'throughputRps'>>(steps: readonly T[], p99MaxMs: number): T | undefined {
  let best: T | undefined;
  for (const step of steps) {
    if (qualifies(step, p99MaxMs) && (best === undefined || step.throughputRps > best.throughputRps)) best = step;
  }
  return best;
}

export function formatSteps(steps: readonly Step[], p99MaxMs: number): string {
  const header = ['conns', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'status counts', 'req/commit', 'analyzed', 'gen cpu', 'other cpu', `p99<${p99MaxMs} & 0 err`];
  const rows: string[][] = [];
  for (const s of steps) {
    const writes = s.sent.debit + s.sent.credit;
    rows.push([
      String(s.connections),
      String(s.throughputRps),
      String(s.latencyMs.p50),
      String(s.latencyMs.p90),
      String(s.latencyMs.p99),
      String(s.latencyMs.max),
      String(s.errors),
      Object.entries(s.statusCounts).map(([status, count]) => `${status}:${count}`).join(' '),
      s.db && s.db.writeCommits > 0 ? (writes / s.db.writeCommits).toFixed(1) : 'n/a',
      s.db === undefined ? 'n/a' : s.db.transacoesAnalyzed ? 'yes' : 'no',
      `${s.generatorCpuPercent}%`,
      s.machineCpus?.other === undefined ? 'n/a' : `${Math.round(s.machineCpus.other * 100)}%`,
      qualifies(s, p99MaxMs) ? 'yes' : 'no',
    ]);
  }
  return textTable(header, rows, { align: 'right' });
}
