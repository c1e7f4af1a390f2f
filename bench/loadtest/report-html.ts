// The self-contained HTML report: summary, verdicts and inline SVG charts, nothing external.

import { fmtInt, fmtMs, fmtPct, fmtUsd } from './format.js';
import { LAG_MAX_LIMIT_MS, LAG_P99_LIMIT_MS } from './generator-health.js';
import { SUMMARY_HEADER, summaryRow } from './report-terminal.js';
import { describeFailureGroup, groupFailures, type RunResults } from './results.js';
import { escapeXml as esc, lineChart } from './svg-chart.js';

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#666;font-size:13px}
table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:right} th:first-child,td:first-child{text-align:left}
tr.all td{font-weight:bold;border-top:2px solid #bbb} td.text{text-align:left}
.banner{padding:10px 14px;border-radius:6px;margin:10px 0;font-size:14px}
.ok{background:#e8f6ec;border:1px solid #9cd3ad} .bad{background:#fdecea;border:1px solid #f1a9a0} .warn{background:#fff6e0;border:1px solid #f0cf7a}
.cards{display:flex;gap:12px;flex-wrap:wrap} .card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}
.card .v{font-size:22px;font-weight:bold} .card .k{font-size:12px;color:#666}
ul.fails li{color:#a11;font-size:13px} code{font-size:12px}
svg{max-width:100%;height:auto;display:block;margin:8px 0}
`;

export function renderHtmlReport(r: RunResults): string {
  const s = r.score;
  const g = r.generator;
  const ts = r.timeseries;
  const col = (k: keyof (typeof ts)[number]): number[] => ts.map((p) => p[k]);

  const rows = [...r.groups, r.all]
    .map((grp, i, arr) => `<tr${i === arr.length - 1 ? ' class="all"' : ''}>${summaryRow(grp).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('');
  const schedRows = [...r.groups, r.all]
    .map((grp) => {
      const l = grp.latencyFromScheduled;
      return `<tr><td>${esc(grp.name)}</td><td>${fmtMs(l.p50)}</td><td>${fmtMs(l.p99)}</td><td>${fmtMs(l.max)}</td></tr>`;
    })
    .join('');
  const koRows = [...r.groups]
    .filter((grp) => grp.ko > 0)
    .map((grp) => `<tr><td>${esc(grp.name)}</td><td class="text">${esc(Object.entries(grp.koReasons).map(([k, n]) => `${k}: ${fmtInt(n)}`).join(', '))}</td><td class="text">${esc(Object.entries(grp.statuses).map(([k, n]) => `${k}×${fmtInt(n)}`).join(', '))}</td></tr>`)
    .join('');

  const failed = r.validation.checks.filter((c) => !c.passed);
  const validationHtml = !r.validation.ran
    ? `<div class="banner warn">Validation phase skipped (--skip-validation).</div>`
    : failed.length === 0
      ? `<div class="banner ok">All ${r.validation.checks.length} validation requests passed their checks.</div>`
      : `<div class="banner bad">${failed.length} of ${r.validation.checks.length} validation requests failed:</div><ul class="fails">${groupFailures(failed)
          .map((f) => `<li>${esc(describeFailureGroup(f))}</li>`)
          .join('')}</ul>`;

  const generatorHtml = g.fellBehind
    ? `<div class="banner bad"><b>The load generator fell behind.</b> Part of what this report shows is this machine, not the server.<ul>${g.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>`
    : `<div class="banner ok">The generator kept to its schedule (p99 send lag ≤ ${LAG_P99_LIMIT_MS} ms, none over ${LAG_MAX_LIMIT_MS} ms).</div>`;
  const capHtml = g.capNote === null ? '' : `<div class="banner bad"><b>In-flight cap reached: arrivals were dropped, not sent.</b> ${esc(g.capNote)}</div>`;

  const scoreClass = s.slaMet && r.inconsistencies.official === 0 ? 'ok' : 'bad';
  const charts = [
    lineChart({
      title: 'Response time percentiles per second (by send second, all load requests)',
      unit: 'ms',
      log: true,
      series: [
        { name: 'p50', color: '#2b8a3e', values: col('p50') },
        { name: 'p95', color: '#1c7ed6', values: col('p95') },
        { name: 'p99', color: '#e8590c', values: col('p99') },
        { name: 'max', color: '#c92a2a', values: col('max'), dashed: true },
      ],
      thresholds: [{ value: 250, label: '250 ms SLA', color: '#c92a2a' }],
    }),
    lineChart({
      title: 'Requests per second: sent (by send second), OK and KO (by completion second)',
      unit: 'requests/s',
      series: [
        { name: 'OK', color: '#2b8a3e', values: col('ok') },
        { name: 'KO', color: '#c92a2a', values: col('ko') },
        // Dashed and drawn last: it usually lies right on top of the OK line.
        { name: 'sent', color: '#495057', values: col('sent'), dashed: true },
      ],
    }),
    lineChart({
      title: 'Generator send lag per second (how late arrivals left versus their schedule)',
      unit: 'ms',
      log: true,
      series: [
        { name: 'lag p50', color: '#2b8a3e', values: col('lagP50') },
        { name: 'lag p99', color: '#e8590c', values: col('lagP99') },
        { name: 'lag max', color: '#c92a2a', values: col('lagMax'), dashed: true },
      ],
      thresholds: [
        { value: LAG_P99_LIMIT_MS, label: `${LAG_P99_LIMIT_MS} ms (p99 limit)`, color: '#e8590c' },
        { value: LAG_MAX_LIMIT_MS, label: `${LAG_MAX_LIMIT_MS} ms (max limit)`, color: '#c92a2a' },
      ],
    }),
    lineChart({
      title: 'Requests in flight (peak per second)',
      unit: 'requests',
      series: [{ name: 'in flight', color: '#5f3dc4', values: r.inFlightPerSecond }],
    }),
  ];

  const o = r.options;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test ${esc(r.startedAt)}</title><style>${CSS}</style></head><body>
<h1>Rinha de Backend 2024 Q1 stress test (re-creation)</h1>
<div class="meta">${esc(r.target)} · scale ${o.scale} · ramp ${o.rampS} s + hold ${o.holdS} s · timeout ${o.timeoutS} s · max in flight ${fmtInt(o.maxInFlight)} · started ${esc(r.startedAt)} · finished ${esc(r.finishedAt)}${r.interrupted ? ' · <b>interrupted</b>' : ''}</div>

<h2>Verdict</h2>
<div class="cards">
  <div class="card"><div class="k">payout (official rule)</div><div class="v">${esc(fmtUsd(s.payoutUsd))}</div></div>
  <div class="card"><div class="k">OK in &lt; 250 ms (98% required)</div><div class="v">${esc(fmtPct(s.sharePct))}</div></div>
  <div class="card"><div class="k">inconsistencies</div><div class="v">${fmtInt(r.inconsistencies.official)}</div></div>
  <div class="card"><div class="k">requests (planned load ${fmtInt(r.plannedLoadRequests)})</div><div class="v">${fmtInt(r.all.count)}</div></div>
  <div class="card"><div class="k">KO</div><div class="v">${fmtInt(r.all.ko)}</div></div>
  <div class="card"><div class="k">send lag p99 / max</div><div class="v">${fmtMs(g.lag.p99)} / ${fmtMs(g.lag.max)} ms</div></div>
</div>
<div class="banner ${scoreClass}">${fmtInt(s.okUnder250ms)} of ${fmtInt(s.totalRequests)} requests OK in under 250 ms (${esc(fmtPct(s.sharePct))});
fines: SLA ${esc(fmtUsd(s.slaFineUsd))} + ${fmtInt(r.inconsistencies.official)} inconsistencies ${esc(fmtUsd(s.inconsistencyFineUsd))} = ${esc(fmtUsd(s.totalFineUsd))}.
<br><small>Rule: ${esc(s.rule)}. Source: ${esc(s.source)}.</small></div>
${generatorHtml}
${capHtml}
${r.inconsistencies.samples.length > 0 ? `<div class="banner bad">Inconsistent bodies (first ${r.inconsistencies.samples.length}):<ul>${r.inconsistencies.samples.map((x) => `<li><code>${esc(x)}</code></li>`).join('')}</ul></div>` : ''}

<h2>Response times (ms, from the actual send)</h2>
<table><thead><tr>${SUMMARY_HEADER.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>
${koRows === '' ? '' : `<h2>KO reasons</h2><table><thead><tr><th>requests</th><th class="text">reasons</th><th class="text">statuses</th></tr></thead><tbody>${koRows}</tbody></table>`}
${Object.keys(r.errors).length > 0 ? `<p class="meta">Errors: ${esc(Object.entries(r.errors).map(([k, n]) => `${k} ${fmtInt(n)}`).join(', '))}</p>` : ''}

<h2>Over time</h2>
${charts.join('\n')}

<h2>Validation phase</h2>
${validationHtml}

<h2>Response times from the scheduled arrival (ms, includes generator lag)</h2>
<table><thead><tr><th>requests</th><th>p50</th><th>p99</th><th>max</th></tr></thead><tbody>${schedRows}</tbody></table>
<p class="meta">Generated by bench/loadtest. Raw numbers: results.json next to this file.</p>
</body></html>
`;
}
