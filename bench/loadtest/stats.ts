// Latency summaries and per-second series, computed once after the run from the typed arrays.

import { summarize, type Summary } from '../../kit/stats.js';
import { OutcomeCode } from './outcome.js';
import type { RequestColumns } from './recorder.js';

/** Latencies and lags are summarized by kit/stats.ts. */
export type LatencySummary = Summary;

export interface GroupSummary {
  name: string;
  count: number;
  ok: number;
  ko: number;
  /** Response time from the actual send, over every request that was sent (OK and KO). */
  latency: LatencySummary;
  /** Response time counted from the scheduled arrival time (includes generator lag). */
  latencyFromScheduled: LatencySummary;
  /** OK requests answered in under 250 ms (Gatling's "t < 250 ms" group of the final run). */
  okUnder250ms: number;
  koReasons: Record<string, number>;
  /** Status code -> count over responses that arrived. */
  statuses: Record<string, number>;
  inconsistencies: number;
}

/** Concatenates several logs' columns into one, for the "all requests" row and charts. */
export function combineLogs(name: string, logs: readonly RequestColumns[]): RequestColumns {
  let n = 0;
  for (const l of logs) n += l.count;
  const out = {
    name,
    count: n,
    schedMs: new Float64Array(n),
    lagMs: new Float32Array(n),
    latencyMs: new Float32Array(n),
    status: new Uint16Array(n),
    outcome: new Uint8Array(n),
  };
  let at = 0;
  for (const l of logs) {
    const c = l.count;
    out.schedMs.set(l.schedMs.subarray(0, c), at);
    out.lagMs.set(l.lagMs.subarray(0, c), at);
    out.latencyMs.set(l.latencyMs.subarray(0, c), at);
    out.status.set(l.status.subarray(0, c), at);
    out.outcome.set(l.outcome.subarray(0, c), at);
    at += c;
  }
  return out;
}

export function summarizeGroup(log: RequestColumns, labels: Readonly<Record<number, string>>): GroupSummary {
  const n = log.count;
  let ok = 0;
  let okUnder250ms = 0;
  let inconsistencies = 0;
  const koReasons: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const fromSched = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const outcome = log.outcome[i]!;
    const latency = log.latencyMs[i]!;
    if (outcome === OutcomeCode.OK) {
      ok++;
      if (latency < 250) okUnder250ms++;
    } else {
      const label = labels[outcome] ?? `outcome ${outcome}`;
      koReasons[label] = (koReasons[label] ?? 0) + 1;
      if (outcome === OutcomeCode.INCONSISTENT) inconsistencies++;
    }
    const status = log.status[i]!;
    if (status !== 0) statuses[status] = (statuses[status] ?? 0) + 1;
    fromSched[i] = latency + log.lagMs[i]!;
  }
  return {
    name: log.name,
    count: n,
    ok,
    ko: n - ok,
    latency: summarize(log.latencyMs.subarray(0, n)),
    latencyFromScheduled: summarize(fromSched),
    okUnder250ms,
    koReasons,
    statuses,
    inconsistencies,
  };
}

/** One second of the load phase. Latencies are bucketed by send second, throughput by completion. */
export interface SecondPoint {
  t: number;
  sent: number;
  ok: number;
  ko: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
}

/**
 * Per-second series over `log` (times relative to the load start). A request counts as sent in
 * the second it was issued and as OK/KO in the second its response (or failure) arrived.
 */
export function perSecondSeries(log: RequestColumns, seconds: number): SecondPoint[] {
  const n = log.count;
  const buckets = Math.max(1, Math.ceil(seconds));
  const sendSecond = new Int32Array(n);
  const perSecondCount = new Int32Array(buckets);
  const ok = new Int32Array(buckets);
  const ko = new Int32Array(buckets);
  for (let i = 0; i < n; i++) {
    const lag = log.lagMs[i]!;
    const sentAt = log.schedMs[i]! + (Number.isFinite(lag) ? lag : 0);
    const s = clampSecond(sentAt, buckets);
    sendSecond[i] = s;
    perSecondCount[s]!++;
    const latency = log.latencyMs[i]!;
    const doneSecond = clampSecond(sentAt + (Number.isFinite(latency) ? latency : 0), buckets);
    if (log.outcome[i] === OutcomeCode.OK) ok[doneSecond]!++;
    else ko[doneSecond]!++;
  }
  // Group indices by send second (counting sort) so each second's values can be summarised.
  const start = new Int32Array(buckets + 1);
  for (let s = 0; s < buckets; s++) start[s + 1] = start[s]! + perSecondCount[s]!;
  const order = new Int32Array(n);
  const fill = start.slice(0, buckets);
  for (let i = 0; i < n; i++) order[fill[sendSecond[i]!]!++] = i;

  const points: SecondPoint[] = [];
  for (let s = 0; s < buckets; s++) {
    const from = start[s]!;
    const to = start[s + 1]!;
    const lat = new Float64Array(to - from);
    const lag = new Float64Array(to - from);
    for (let k = from; k < to; k++) {
      lat[k - from] = log.latencyMs[order[k]!]!;
      lag[k - from] = log.lagMs[order[k]!]!;
    }
    const l = summarize(lat);
    const g = summarize(lag);
    points.push({
      t: s,
      sent: to - from,
      ok: ok[s]!,
      ko: ko[s]!,
      p50: l.p50,
      p95: l.p95,
      p99: l.p99,
      max: l.max,
      lagP50: g.p50,
      lagP99: g.p99,
      lagMax: g.max,
    });
  }
  return points;
}

function clampSecond(ms: number, buckets: number): number {
  const s = Math.floor(ms / 1000);
  return s < 0 ? 0 : s >= buckets ? buckets - 1 : s;
}
