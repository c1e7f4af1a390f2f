// The write outage of a failover or switchover, read off a closed-loop load's answers: the
// longest time without a successful write answer around the event. Shared by the cluster's
// fault tests and bench/cluster.ts so both measure the same thing.

export interface TimedAnswer {
  /** A write that succeeded (e.g. 200 on a credit/debit). */
  ok: boolean;
  sentAt: number;
  answeredAt: number;
}

/**
 * The longest gap (ms) between successive successful answers that ends at or after `from` and
 * starts at or before `until`: for a kill at `from`, the last success before it to the first
 * after it. Under a closed loop a gap is the time no
 * write could commit, up to one request's latency.
 */
export function writeOutageMs(answers: readonly TimedAnswer[], from: number, until: number = Number.POSITIVE_INFINITY): number {
  const times = answers.filter((a) => a.ok).map((a) => a.answeredAt).sort((a, b) => a - b);
  let longest = 0;
  for (let k = 1; k < times.length; k++) {
    if (times[k]! >= from && times[k - 1]! <= until) longest = Math.max(longest, times[k]! - times[k - 1]!);
  }
  return longest;
}
