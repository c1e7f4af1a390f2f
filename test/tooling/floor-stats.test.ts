// The helpers of `npm run bench:floor`: its layer summaries, the table's "added" column. (When a hand-read
// HTTP response is complete is kit/http-response.ts's, tested in http-response.test.ts: a bench
// that stops reading early would measure too little.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFloorTable, parseProcStat, stealPercent, summarizeLayer } from '../../bench/floor-stats.js';

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

test('steal is the share of the CPU time wanted (busy + stolen) that the host kept', () => {
  const before = parseProcStat('cpu  100 0 50 800 10 3 2 40 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n');
  assert.deepEqual(before, { busy: 155, steal: 40 });
  const after = parseProcStat('cpu  150 0 60 1000 10 3 2 80 0 0\n');
  assert.equal(stealPercent(before, after), 40); // 40 stolen of 60 busy + 40 stolen; idle not counted
  assert.equal(stealPercent(after, after), 0);
});
