import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutcomeCode, OUTCOME_LABELS } from '../../bench/loadtest/outcome.js';
import { RequestLog } from '../../bench/loadtest/recorder.js';
import { combineLogs, perSecondSeries, summarizeGroup } from '../../bench/loadtest/stats.js';
import { assessGenerator } from '../../bench/loadtest/generator-health.js';

function sampleLog(): RequestLog {
  const log = new RequestLog('débitos', 6);
  const rows: Array<[number, number, number, number, number]> = [
    // schedMs, lagMs, latencyMs, status, outcome
    [0, 0.1, 1.5, 200, OutcomeCode.OK],
    [400, 0.2, 300, 200, OutcomeCode.OK], // OK but slower than 250 ms
    [900, 0.1, 2, 422, OutcomeCode.OK],
    [1200, 0.3, 3, 200, OutcomeCode.INCONSISTENT],
    [1500, 60, 4, 500, OutcomeCode.BAD_STATUS],
    [2100, 0.1, NaN, 0, OutcomeCode.OVERLOADED],
  ];
  rows.forEach(([sched, lag, latency, status, outcome], i) => {
    log.markIssued(i, sched, lag);
    log.markCompleted(i, latency, status, outcome as 0);
  });
  return log;
}

test('group summary counts OK, KO reasons, statuses, inconsistencies and the under-250 ms OKs', () => {
  const g = summarizeGroup(sampleLog(), OUTCOME_LABELS);
  assert.equal(g.count, 6);
  assert.equal(g.ok, 3);
  assert.equal(g.ko, 3);
  assert.equal(g.okUnder250ms, 2);
  assert.equal(g.inconsistencies, 1);
  assert.deepEqual(g.statuses, { '200': 3, '422': 1, '500': 1 });
  assert.deepEqual(g.koReasons, {
    'balance inconsistency': 1,
    'unexpected status': 1,
    'generator overloaded (not sent)': 1,
  });
  assert.equal(g.latency.count, 5);
  // Counted from the schedule, the 300 ms request sent 0.2 ms late shows 300.2 ms.
  assert.ok(Math.abs(g.latencyFromScheduled.max - 300.2) < 1e-3);
  assert.ok(g.latencyFromScheduled.p99 >= g.latency.p99);
});

test('combined logs concatenate the recorded part of each log', () => {
  const a = sampleLog();
  const b = new RequestLog('extratos', 10);
  b.markIssued(0, 50, 0);
  b.markCompleted(0, 1, 200, OutcomeCode.OK);
  const all = combineLogs('all', [a, b]);
  assert.equal(all.count, 7);
  assert.equal(all.status[6], 200);
  assert.equal(summarizeGroup(all, OUTCOME_LABELS).ok, 4);
});

test('per-second series bucket sends by send second and results by completion second', () => {
  const series = perSecondSeries(sampleLog(), 3);
  assert.equal(series.length, 3);
  assert.deepEqual(series.map((p) => p.sent), [3, 2, 1]);
  // The 300 ms request sent at 0.4 s completes in second 0; the one sent at 1.56 s completes in second 1.
  assert.deepEqual(series.map((p) => p.ok), [3, 0, 0]);
  assert.deepEqual(series.map((p) => p.ko), [0, 2, 1]);
  assert.ok(Math.abs(series[0]!.max - 300) < 1e-3);
  assert.ok(Math.abs(series[1]!.lagMax - 60) < 1e-3);
  assert.ok(Number.isNaN(series[2]!.p50)); // only a never-sent request in that second
});

test('generator health flags a p99 lag over 5 ms, any arrival over 50 ms late, and separately unsent arrivals', () => {
  const healthy = assessGenerator(Float32Array.from({ length: 1000 }, () => 0.2), 0, 10, 20000);
  assert.equal(healthy.fellBehind, false);
  assert.deepEqual(healthy.problems, []);

  const oneVeryLate = Float32Array.from({ length: 1000 }, (_, i) => (i === 0 ? 80 : 0.2));
  const late = assessGenerator(oneVeryLate, 0, 10, 20000);
  assert.equal(late.fellBehind, true);
  assert.equal(late.lateArrivals, 1);

  const slow = assessGenerator(Float32Array.from({ length: 100 }, () => 6), 0, 10, 20000);
  assert.equal(slow.fellBehind, true);
  assert.match(slow.problems[0]!, /p99/);

  // Hitting the in-flight cap is reported on its own: the schedule itself was kept.
  const capped = assessGenerator(Float32Array.of(0.1), 3, 20000, 20000);
  assert.equal(capped.fellBehind, false);
  assert.equal(capped.capped, true);
  assert.match(capped.capNote ?? '', /3 arrival\(s\) were not sent/);
  assert.equal(healthy.capNote, null);
});
