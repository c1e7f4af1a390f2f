// The end-of-run summary printed to the terminal.

import { textTable } from '../../kit/table.js';
import { fmtInt, fmtMs, fmtPct, fmtUsd } from './format.js';
import { describeFailureGroup, groupFailures, type RunResults } from './results.js';
import type { GroupSummary } from './stats.js';

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
}

export function paint(enabled: boolean): Paint {
  const wrap = (code: string) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: wrap('31'), green: wrap('32'), yellow: wrap('33'), bold: wrap('1') };
}

export const SUMMARY_HEADER = ['requests', 'count', 'OK', 'KO', 'min', 'mean', 'p50', 'p75', 'p95', 'p99', 'max'] as const;

export function summaryRow(g: GroupSummary): string[] {
  const l = g.latency;
  return [g.name, fmtInt(g.count), fmtInt(g.ok), fmtInt(g.ko), fmtMs(l.min), fmtMs(l.mean), fmtMs(l.p50), fmtMs(l.p75), fmtMs(l.p95), fmtMs(l.p99), fmtMs(l.max)];
}

export function renderTerminalReport(r: RunResults, p: Paint): string {
  const out: string[] = [];
  const rows = [...r.groups, r.all];
  out.push(p.bold('Response time in ms, from the actual send (OK and KO requests that were sent)'));
  out.push(textTable(SUMMARY_HEADER, rows.map(summaryRow), { rule: true }));
  out.push('');
  out.push(p.bold('Response time in ms, from the scheduled arrival time (includes generator lag)'));
  out.push(
    textTable(
      ['requests', 'p50', 'p99', 'max'],
      rows.map((g) => [g.name, fmtMs(g.latencyFromScheduled.p50), fmtMs(g.latencyFromScheduled.p99), fmtMs(g.latencyFromScheduled.max)]),
      { rule: true },
    ),
  );

  const koLines = rows
    .filter((g) => g.ko > 0)
    .map((g) => `  ${g.name}: ` + Object.entries(g.koReasons).map(([why, n]) => `${why} ${fmtInt(n)}`).join(', ') + statusText(g));
  if (koLines.length > 0) {
    out.push('');
    out.push(p.bold('KO reasons'));
    out.push(...koLines);
    const errs = Object.entries(r.errors);
    if (errs.length > 0) out.push('  errors: ' + errs.map(([code, n]) => `${code} ${fmtInt(n)}`).join(', '));
  }

  out.push('');
  out.push(p.bold('Validation phase'));
  if (!r.validation.ran) {
    out.push(p.yellow('  skipped (--skip-validation)'));
  } else {
    const total = r.validation.checks.length;
    const failed = r.validation.checks.filter((c) => !c.passed);
    out.push(
      failed.length === 0
        ? p.green(`  all ${total} validation requests passed their checks`)
        : p.red(`  ${failed.length} of ${total} validation requests FAILED:`),
    );
    for (const g of groupFailures(failed)) out.push(p.red(`    - ${describeFailureGroup(g)}`));
  }

  out.push('');
  out.push(p.bold('Generator health'));
  const g = r.generator;
  out.push(`  send lag vs schedule: p50 ${fmtMs(g.lag.p50)} ms, p99 ${fmtMs(g.lag.p99)} ms, max ${fmtMs(g.lag.max)} ms; peak in flight ${fmtInt(g.maxInFlight)}`);
  if (g.fellBehind) {
    out.push(p.red(p.bold('  !!! THE LOAD GENERATOR FELL BEHIND: the numbers above partly measure this machine, not the server !!!')));
    for (const why of g.problems) out.push(p.red(`  !!! ${why}`));
  } else {
    out.push(p.green('  the generator kept to its schedule'));
  }
  if (g.capNote !== null) {
    out.push(p.red(p.bold('  !!! IN-FLIGHT CAP REACHED: arrivals were dropped, not sent !!!')));
    out.push(p.red(`  !!! ${g.capNote}`));
  }

  out.push('');
  out.push(p.bold('Score (official 2024 Q1 rule)'));
  const s = r.score;
  const share = `  OK in under 250 ms: ${fmtInt(s.okUnder250ms)} of ${fmtInt(s.totalRequests)} = ${fmtPct(s.sharePct)} (98% required)`;
  out.push(s.slaMet ? p.green(share) : p.red(share));
  const inc = `  inconsistencies: ${fmtInt(r.inconsistencies.official)} (load ${fmtInt(r.inconsistencies.loadPhase)}, validation ${fmtInt(r.inconsistencies.validationPhase)})`;
  out.push(r.inconsistencies.official === 0 ? p.green(inc) : p.red(inc));
  for (const sample of r.inconsistencies.samples.slice(0, 5)) out.push(p.red(`    e.g. ${sample}`));
  out.push(`  fines: SLA ${fmtUsd(s.slaFineUsd)} + inconsistencies ${fmtUsd(s.inconsistencyFineUsd)} = ${fmtUsd(s.totalFineUsd)}`);
  out.push(p.bold(`  payout: ${fmtUsd(s.payoutUsd)}`));
  if (r.interrupted) out.push(p.yellow('  (the run was interrupted: partial results)'));
  return out.join('\n');
}

function statusText(g: GroupSummary): string {
  const entries = Object.entries(g.statuses);
  return entries.length === 0 ? '' : ` (statuses: ${entries.map(([code, n]) => `${code}×${fmtInt(n)}`).join(', ')})`;
}
