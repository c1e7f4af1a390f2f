// The payout as the 2024 Q1 Rinha judged it. Source: `generateResults()` in
// executar-testes-final.sh and RESULTADOS-HEADER.md of github.com/zanfranceschi/rinha-de-backend-2024-q1:
//
//   share      = round(group1 / total * 100, 2)   group1 = Gatling's OK requests under 250 ms,
//                                                 total  = every request of the run (validations too)
//   slaFine    = max(0, round((98 - share) * 1000, 2))          USD 1,000 per point below 98%
//   inconsFine = round(inconsistencies * 803.01, 2)             USD 803.01 each
//   payout     = max(0, round(100000 - (slaFine + inconsFine), 2))
//
// `inconsistencies` there is the number of simulation.log lines mentioning the
// `ConsistenciaSaldoLimite` validator (a 200 with saldo < -limite, or unreadable saldo/limite)
// plus those failing a `jmesPath(saldo.total)...is(...)` check (the validation phase's exact
// balance checks). The official rounding is Python's round(); Math.round differs only on exact
// binary ties, which these ratios do not produce in practice.

export const CONTRACT_VALUE_USD = 100000;
export const SLA_SHARE_PCT = 98;
export const SLA_FINE_PER_POINT_USD = 1000;
export const FINE_PER_INCONSISTENCY_USD = 803.01;
export const SLA_LATENCY_MS = 250;

export const SCORE_RULE_SOURCE =
  'github.com/zanfranceschi/rinha-de-backend-2024-q1: executar-testes-final.sh (generateResults) and RESULTADOS-HEADER.md';

export interface ScoreInput {
  /** Every request of the run, validations included. */
  totalRequests: number;
  /** Requests that passed all checks (200/422 as required) in under 250 ms. */
  okUnder250ms: number;
  /** Official inconsistency count (see the header of this file). */
  inconsistencies: number;
}

export interface Score extends ScoreInput {
  /** Share of requests OK in under 250 ms, in percent, rounded to 2 decimals like the official script. */
  sharePct: number;
  slaMet: boolean;
  slaFineUsd: number;
  inconsistencyFineUsd: number;
  totalFineUsd: number;
  payoutUsd: number;
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function computeScore(input: ScoreInput): Score {
  const sharePct = input.totalRequests > 0 ? round2((input.okUnder250ms / input.totalRequests) * 100) : 0;
  const slaFineUsd = Math.max(0, round2((SLA_SHARE_PCT - sharePct) * SLA_FINE_PER_POINT_USD));
  const inconsistencyFineUsd = round2(input.inconsistencies * FINE_PER_INCONSISTENCY_USD);
  const totalFineUsd = round2(slaFineUsd + inconsistencyFineUsd);
  const payoutUsd = Math.max(0, round2(CONTRACT_VALUE_USD - totalFineUsd));
  return {
    ...input,
    sharePct,
    slaMet: sharePct >= SLA_SHARE_PCT,
    slaFineUsd,
    inconsistencyFineUsd,
    totalFineUsd,
    payoutUsd,
  };
}
