import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadPhaseResult } from '../../bench/loadtest/load-phase.js';
import { parseOptions } from '../../bench/loadtest/options.js';
import { OutcomeCode } from '../../bench/loadtest/outcome.js';
import { RequestLog, logFromEntries } from '../../bench/loadtest/recorder.js';
import { renderHtmlReport } from '../../bench/loadtest/report-html.js';
import { paint, renderTerminalReport } from '../../bench/loadtest/report-terminal.js';
import { buildResults, describeFailureGroup, groupFailures, strictFailures } from '../../bench/loadtest/results.js';
import type { CheckResult } from '../../bench/loadtest/validation.js';
import { lineChart, niceStep } from '../../bench/loadtest/svg-chart.js';
import type { ValidationResult } from '../../bench/loadtest/validation.js';

function fakeRun(opts: { inconsistent: boolean; lateMs: number }): { load: LoadPhaseResult; validation: ValidationResult } {
  const logs = ['débitos', 'créditos', 'extratos'].map((name, g) => {
    const log = new RequestLog(name, 30);
    for (let i = 0; i < 30; i++) {
      log.markIssued(i, i * 100, i === 0 ? opts.lateMs : 0.3);
      const outcome = opts.inconsistent && g === 0 && i === 5 ? OutcomeCode.INCONSISTENT : OutcomeCode.OK;
      log.markCompleted(i, 0.5 + i / 10, 200, outcome);
    }
    return log;
  });
  const validationLog = logFromEntries('validações', [
    { schedMs: 0, latencyMs: 1.2, status: 200, outcome: OutcomeCode.OK },
    { schedMs: 2, latencyMs: 0.9, status: 500, outcome: OutcomeCode.CHECK_FAILED },
  ]);
  return {
    load: {
      logs,
      plannedRequests: 90,
      plannedDurationS: 3,
      durationMs: 3100,
      inFlightPerSecond: [1, 2, 1, 0],
      maxInFlight: 2,
      notSent: 0,
      errors: {},
      inconsistencySamples: opts.inconsistent ? ['débitos: HTTP 200 {"limite":1000,"saldo":-1001}'] : [],
      interrupted: false,
    },
    validation: {
      checks: [
        { step: 'initial statement', clientId: 1, passed: true, detail: 'status in (200)', officialInconsistency: false, status: 200, latencyMs: 1.2 },
        { step: 'invalid payload (valor 1.2) is refused', clientId: 2, passed: false, detail: 'expected status 422 or 400, got 500', officialInconsistency: false, status: 500, latencyMs: 0.9 },
      ],
      log: validationLog,
      failures: 1,
      officialInconsistencies: 0,
      durationMs: 5,
    },
  };
}

test('results count every request, validations included, and apply the official score', () => {
  const { load, validation } = fakeRun({ inconsistent: true, lateMs: 0.2 });
  const r = buildResults(parseOptions(['--ramp', '2', '--hold', '1']), new Date(0), new Date(1000), validation, load);
  assert.equal(r.all.count, 92);
  assert.deepEqual(r.groups.map((g) => g.name), ['validações', 'débitos', 'créditos', 'extratos']);
  assert.equal(r.inconsistencies.official, 1);
  assert.equal(r.score.okUnder250ms, 90);
  assert.equal(r.score.sharePct, 97.83);
  assert.equal(r.score.inconsistencyFineUsd, 803.01);
  assert.equal(r.validation.failures, 1);
  assert.equal(r.timeseries.length, 4);
  assert.equal(r.generator.fellBehind, false);
  assert.equal(strictFailures(r).length, 3);
});

test('the terminal report shows the table, validation failures, generator verdict and payout', () => {
  const { load, validation } = fakeRun({ inconsistent: false, lateMs: 120 });
  const r = buildResults(parseOptions([]), new Date(0), new Date(1000), validation, load);
  const text = renderTerminalReport(r, paint(false));
  assert.match(text, /requests\s+count\s+OK\s+KO\s+min\s+mean\s+p50\s+p75\s+p95\s+p99\s+max/);
  assert.match(text, /todas as requisições\s+92/);
  assert.match(text, /0\.50/); // sub-millisecond precision
  assert.match(text, /invalid payload \(valor 1\.2\) is refused: expected status 422 or 400, got 500/);
  assert.match(text, /GENERATOR FELL BEHIND/);
  assert.match(text, /payout: USD/);
  assert.doesNotMatch(text, /\x1b\[/);
});

test('the HTML report is self-contained: inline SVG charts, no scripts or external resources', () => {
  const { load, validation } = fakeRun({ inconsistent: true, lateMs: 0.2 });
  const html = renderHtmlReport(buildResults(parseOptions([]), new Date(0), new Date(1000), validation, load));
  assert.match(html, /^<!doctype html>/);
  assert.equal((html.match(/<svg /g) ?? []).length, 4);
  assert.doesNotMatch(html, /<script|<link|@import|url\(|src=/i);
  // No attribute points anywhere: the SVG namespace is an identifier, never fetched.
  const attributeUrls = (html.match(/="https?:\/\/[^"]*"/g) ?? []).filter((u) => u !== '="http://www.w3.org/2000/svg"');
  assert.deepEqual(attributeUrls, []);
  assert.match(html, /250 ms SLA/);
  assert.match(html, /Inconsistent bodies/);
  assert.match(html, /&quot;saldo&quot;:-1001/); // bodies are escaped
});

test('charts leave gaps for missing values and pick readable tick steps', () => {
  const svg = lineChart({ title: 'a <b>', unit: 'ms', log: true, series: [{ name: 's', color: '#000', values: [1, NaN, 10, 0, 100] }] });
  assert.match(svg, /a &lt;b&gt;/);
  const d = /<path d="([^"]+)"/.exec(svg)![1]!;
  assert.equal((d.match(/M/g) ?? []).length, 3); // three separate runs around the NaN and the 0 (no log of 0)
  assert.equal(niceStep(240, 10), 20);
  assert.equal(niceStep(7, 10), 0.5);
  assert.equal(niceStep(1000, 5), 200);
});

test('identical validation failures are grouped across clients', () => {
  const fail = (clientId: number | null, step: string, detail: string, officialInconsistency = false): CheckResult => ({
    step, clientId, passed: false, detail, officialInconsistency, status: 200, latencyMs: 1,
  });
  const groups = groupFailures([
    fail(1, 'invalid payload (empty descricao) is refused', 'expected status 422 or 400, got 200'),
    fail(2, 'invalid payload (empty descricao) is refused', 'expected status 422 or 400, got 200'),
    { ...fail(3, 'initial statement', 'ok'), passed: true },
    fail(1, 'concurrent statement shows "danada" and its balance', 'saldo.total: expected 1, got 0', true),
    fail(1, 'concurrent statement shows "danada" and its balance', 'saldo.total: expected 1, got 0', true),
    fail(null, 'x', 'y'),
  ]);
  assert.equal(groups.length, 3);
  assert.equal(describeFailureGroup(groups[0]!), 'clients 1, 2: invalid payload (empty descricao) is refused: expected status 422 or 400, got 200');
  assert.equal(describeFailureGroup(groups[1]!), 'client 1: concurrent statement shows "danada" and its balance: saldo.total: expected 1, got 0 (×2) [inconsistency]');
  assert.equal(describeFailureGroup(groups[2]!), 'x: y');
});
