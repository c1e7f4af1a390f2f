// The helpers of `npm run bench:floor`: its layer summaries, the table's "added" column. (When a hand-read
// HTTP response is complete is kit/http-response.ts's, tested in http-response.test.ts: a bench
// that stops reading early would measure too little.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFloorTable, summarizeLayer } from '../../bench/floor-stats.js';

test('summarizeLayer sorts, averages and rounds to 0.1 us', () => {
  const s = summarizeLayer('x', [3, 1, 2, 10.04]);
  assert.deepEqual(s, { layer: 'x', samples: 4, p50: 2, p90: 10, p99: 10, mean: 4, max: 10 });
});

test('the table says what each layer adds over the one above it', () => {
  const table = formatFloorTable([summarizeLayer('a', [100]), summarizeLayer('b', [350]), summarizeLayer('c', [300])]);
  const lines = table.split('\n');
  assert.match(lines[1]!, /^a .*\(the floor\)$/);
  assert.match(lines[2]!, /\+250 over a$/);
  assert.match(lines[3]!, /-50 over b$/);
});
