// How each request ended, stored as one byte per request.

export const OutcomeCode = {
  /** Every check passed (Gatling's OK). */
  OK: 0,
  /** A status outside the accepted set. */
  BAD_STATUS: 1,
  /** An accepted status with a body the checks cannot read (not JSON, `limite` missing...). */
  BAD_BODY: 2,
  /** A balance check failed: saldo < -limite, or saldo not an integer (counted as a fine). */
  INCONSISTENT: 3,
  /** No complete response within the timeout. */
  TIMEOUT: 4,
  /** Connection refused/reset/closed early, or an unparsable response. */
  CONN_ERROR: 5,
  /** Not sent: the generator already had --max-in-flight requests outstanding. */
  OVERLOADED: 6,
  /** Still outstanding when the run's hard deadline passed. */
  ABORTED: 7,
  /** A validation-phase check other than a balance check failed. */
  CHECK_FAILED: 8,
} as const;

export type OutcomeCode = (typeof OutcomeCode)[keyof typeof OutcomeCode];

export const OUTCOME_LABELS: Readonly<Record<OutcomeCode, string>> = {
  0: 'OK',
  1: 'unexpected status',
  2: 'unreadable body',
  3: 'balance inconsistency',
  4: 'timeout',
  5: 'connection error',
  6: 'generator overloaded (not sent)',
  7: 'aborted at end of run',
  8: 'validation check failed',
};

/** Outcomes for which no request reached the wire: they have no latency. */
export function wasSent(outcome: number): boolean {
  return outcome !== OutcomeCode.OVERLOADED;
}
