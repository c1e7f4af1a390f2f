// Assembles everything measured into the one object the reports (terminal, JSON, HTML) render.

import { assessGenerator, type GeneratorHealth } from './generator-health.js';
import type { LoadPhaseResult } from './load-phase.js';
import { OUTCOME_LABELS } from './outcome.js';
import type { LoadtestOptions } from './options.js';
import { combineLogs, perSecondSeries, summarizeGroup, type GroupSummary, type SecondPoint } from './stats.js';
import { computeScore, SCORE_RULE_SOURCE, type Score } from './score.js';
import type { CheckResult, ValidationResult } from './validation.js';

export interface RunResults {
  tool: string;
  startedAt: string;
  finishedAt: string;
  target: string;
  options: {
    url: string;
    scale: number;
    rampS: number;
    holdS: number;
    timeoutS: number;
    maxInFlight: number;
    skipValidation: boolean;
    strict: boolean;
  };
  interrupted: boolean;
  plannedLoadRequests: number;
  loadDurationS: number;
  validation: {
    ran: boolean;
    checks: CheckResult[];
    failures: number;
    officialInconsistencies: number;
  };
  /** One row per request group, then `all`. */
  groups: GroupSummary[];
  all: GroupSummary;
  inconsistencies: {
    /** The count the official payout uses: balance checks of the load phase and validation. */
    official: number;
    loadPhase: number;
    validationPhase: number;
    samples: string[];
  };
  errors: Record<string, number>;
  generator: GeneratorHealth;
  score: Score & { rule: string; source: string };
  /** Per second of the load phase, all load groups together. */
  timeseries: SecondPoint[];
  inFlightPerSecond: number[];
}

export function buildResults(
  opts: LoadtestOptions,
  startedAt: Date,
  finishedAt: Date,
  validation: ValidationResult | null,
  load: LoadPhaseResult,
): RunResults {
  const logs = validation === null ? load.logs : [validation.log, ...load.logs];
  const groups = logs.map((l) => summarizeGroup(l, OUTCOME_LABELS));
  const all = summarizeGroup(combineLogs('todas as requisições', logs), OUTCOME_LABELS);
  const loadOnly = combineLogs('carga', load.logs);
  const loadGroups = validation === null ? groups : groups.slice(1);
  const loadInconsistencies = loadGroups.reduce((n, g) => n + g.inconsistencies, 0);
  const validationInconsistencies = validation?.officialInconsistencies ?? 0;
  const official = loadInconsistencies + validationInconsistencies;
  const score = computeScore({ totalRequests: all.count, okUnder250ms: all.okUnder250ms, inconsistencies: official });
  return {
    tool: 'crebitos loadtest (re-creation of RinhaBackendCrebitosSimulation, Rinha de Backend 2024 Q1)',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    target: opts.url,
    options: {
      url: opts.url,
      scale: opts.scale,
      rampS: opts.rampS,
      holdS: opts.holdS,
      timeoutS: opts.timeoutMs / 1000,
      maxInFlight: opts.maxInFlight,
      skipValidation: opts.skipValidation,
      strict: opts.strict,
    },
    interrupted: load.interrupted,
    plannedLoadRequests: load.plannedRequests,
    loadDurationS: load.durationMs / 1000,
    validation: {
      ran: validation !== null,
      checks: validation?.checks ?? [],
      failures: validation?.failures ?? 0,
      officialInconsistencies: validationInconsistencies,
    },
    groups,
    all,
    inconsistencies: {
      official,
      loadPhase: loadInconsistencies,
      validationPhase: validationInconsistencies,
      samples: load.inconsistencySamples,
    },
    errors: load.errors,
    generator: assessGenerator(loadOnly.lagMs.subarray(0, loadOnly.count), load.notSent, load.maxInFlight, opts.maxInFlight),
    score: {
      ...score,
      rule:
        'share = OK requests (status and checks as required) under 250 ms / all requests; ' +
        'fine = max(0, (98 - share%) * 1000) + 803.01 per inconsistency; payout = max(0, 100000 - fine)',
      source: SCORE_RULE_SOURCE,
    },
    timeseries: perSecondSeries(loadOnly, load.durationMs / 1000),
    inFlightPerSecond: load.inFlightPerSecond,
  };
}

/** --strict: the reasons the run should fail, empty when it passes. */
export function strictFailures(r: RunResults): string[] {
  const out: string[] = [];
  if (!r.score.slaMet) out.push(`only ${r.score.sharePct}% of requests were OK in under 250 ms (98% required)`);
  if (r.inconsistencies.official > 0) out.push(`${r.inconsistencies.official} inconsistencies`);
  if (r.validation.failures > 0) out.push(`${r.validation.failures} failed validation checks`);
  if (r.interrupted) out.push('the run was interrupted');
  return out;
}

/** A validation failure shared by one or more clients (identical step and reason). */
export interface FailureGroup {
  step: string;
  detail: string;
  clientIds: number[];
  /** How many requests failed this way (the concurrent steps repeat per client). */
  count: number;
  officialInconsistency: boolean;
}

/** Groups identical validation failures, in first-seen order, so a broken rule reads as one line. */
export function groupFailures(checks: readonly CheckResult[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const c of checks) {
    if (c.passed) continue;
    const key = `${c.step}\u0000${c.detail}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { step: c.step, detail: c.detail, clientIds: [], count: 0, officialInconsistency: c.officialInconsistency };
      groups.set(key, g);
    }
    g.count++;
    if (c.clientId !== null && !g.clientIds.includes(c.clientId)) g.clientIds.push(c.clientId);
  }
  return [...groups.values()];
}

export function describeFailureGroup(g: FailureGroup): string {
  const who = g.clientIds.length === 0 ? '' : `client${g.clientIds.length > 1 ? 's' : ''} ${g.clientIds.join(', ')}: `;
  const times = g.count > Math.max(1, g.clientIds.length) ? ` (×${g.count})` : '';
  return `${who}${g.step}: ${g.detail}${times}${g.officialInconsistency ? ' [inconsistency]' : ''}`;
}
