// Pure helpers of `npm run bench:floor` (bench/latency-floor.ts): summarising round-trip times,
// the table it prints. (Its HTTP responses are read by kit/http-response.ts.)

export interface LayerSummary {
  layer: string;
  samples: number;
  /** Microseconds, one decimal. */
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  /** Of the CPU time the VM wanted during the layer (busy + stolen), the percent the host kept (kit/proc-stat.ts). */
  stealPercent?: number;
  /** Under limits: CFS periods in which some service was throttled during the layer. */
  throttledPeriods?: number;
}

import { summarize } from '../kit/stats.js';
import { textTable } from '../kit/table.js';

const round1 = (value: number) => Math.round(value * 10) / 10;

/** Summary of one layer's round trips, given in microseconds, rounded to 0.1 us. */
export function summarizeLayer(layer: string, micros: readonly number[]): LayerSummary {
  const s = summarize(micros);
  return { layer, samples: s.count, p50: round1(s.p50), p90: round1(s.p90), p99: round1(s.p99), mean: round1(s.mean), max: round1(s.max) };
}

/** The table: each layer's percentiles and mean, and what its mean adds over the layer above it. */
export function formatFloorTable(layers: readonly LayerSummary[]): string {
  const header = ['layer', 'p50 us', 'p90 us', 'p99 us', 'mean us', 'max us', 'steal %', 'throttled', 'added by this layer (mean)'];
  const rows = layers.map((s, i) => {
    const previous = layers[i - 1];
    const added = previous ? `${s.mean - previous.mean >= 0 ? '+' : ''}${round1(s.mean - previous.mean)} over ${previous.layer}` : '(the floor)';
    return [s.layer, ...[s.p50, s.p90, s.p99, s.mean, s.max].map((v) => v.toFixed(1)), s.stealPercent?.toFixed(1) ?? 'n/a', String(s.throttledPeriods ?? '-'), added];
  });
  // The layer and the "added" sentence read left to right; the figures line up on the right.
  return textTable(header, rows, { align: header.map((_, column) => (column === 0 || column === header.length - 1 ? 'left' : 'right')) });
}

/** The same table in Markdown, for bench/RESULTS.md. */
export function formatFloorMarkdown(layers: readonly LayerSummary[]): string {
  const rows = layers.map((s, i) => {
    const previous = layers[i - 1];
    const added = previous ? `${s.mean - previous.mean >= 0 ? '+' : ''}${Math.round(s.mean - previous.mean)}` : '(floor)';
    const throttled = s.throttledPeriods === undefined ? '' : ` ${s.throttledPeriods} |`;
    return `| ${s.layer} | ${s.p50.toFixed(0)} | ${s.p90.toFixed(0)} | ${s.p99.toFixed(0)} | ${s.mean.toFixed(0)} | ${added} | ${s.stealPercent?.toFixed(1) ?? 'n/a'} |${throttled}`;
  });
  const limited = layers.some((s) => s.throttledPeriods !== undefined);
  return [
    `| layer | p50 us | p90 us | p99 us | mean us | added (mean) us | steal % |${limited ? ' throttled periods |' : ''}`,
    `|---|---|---|---|---|---|---|${limited ? '---|' : ''}`,
    ...rows,
  ].join('\n');
}
