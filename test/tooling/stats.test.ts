// kit/stats.ts: the one percentile and summary of the loadtest and bench:floor (their former
// percentileOfSorted/summarize and percentile/summarise tests, on the kit's functions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarize } from '../../kit/stats.js';

test('nearest-rank percentiles (the loadtest\'s, on typed arrays)', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile(sorted, 0), 1);
  assert.equal(percentile(Float64Array.of(7), 99), 7);
  assert.ok(Number.isNaN(percentile(new Float64Array(0), 50)));
});

test('percentile is nearest-rank (bench:floor\'s, on plain arrays)', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([1, 2], 0), 1);
});

test('summaries ignore NaN (never-sent requests) and keep sub-millisecond precision', () => {
  const s = summarize(Float32Array.of(0.84, NaN, 0.5, 2.25, 1));
  assert.equal(s.count, 4);
  assert.ok(Math.abs(s.min - 0.5) < 1e-6);
  assert.ok(Math.abs(s.max - 2.25) < 1e-6);
  assert.ok(Math.abs(s.mean - (0.84 + 0.5 + 2.25 + 1) / 4) < 1e-6);
  assert.ok(Math.abs(s.p50 - 0.84) < 1e-6);
  const empty = summarize(new Float32Array(0));
  assert.equal(empty.count, 0);
  assert.ok(Number.isNaN(empty.p99));
});

test('summaries have p90 too, and every percentile is nearest-rank', () => {
  const s = summarize(Array.from({ length: 10 }, (_, i) => 10 - i)); // 10..1, unsorted
  assert.deepEqual(s, { count: 10, min: 1, mean: 5.5, p50: 5, p75: 8, p90: 9, p95: 10, p99: 10, max: 10 });
});
