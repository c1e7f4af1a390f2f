// Per-request measurements in typed arrays, one slot per scheduled arrival: about 20 bytes per
// request and no object per request, even at 600k requests.

import { OutcomeCode } from './outcome.js';

/** The columns the statistics read; a RequestLog, or several concatenated. */
export interface RequestColumns {
  readonly name: string;
  /** Requests recorded (the first `count` entries of each column are valid). */
  readonly count: number;
  readonly schedMs: Float64Array;
  readonly lagMs: Float32Array;
  readonly latencyMs: Float32Array;
  readonly status: Uint16Array;
  readonly outcome: Uint8Array;
}

export class RequestLog implements RequestColumns {
  /** Scheduled time, ms from the start of the load phase. */
  readonly schedMs: Float64Array;
  /** How late the request was actually issued versus its schedule (ms); NaN if not issued. */
  readonly lagMs: Float32Array;
  /** Response time from the actual send (ms); NaN if never sent. */
  readonly latencyMs: Float32Array;
  readonly status: Uint16Array;
  readonly outcome: Uint8Array;
  /** Arrivals recorded so far (issued or counted as not sent). */
  issued = 0;
  completed = 0;

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {
    this.schedMs = new Float64Array(capacity);
    this.lagMs = new Float32Array(capacity).fill(NaN);
    this.latencyMs = new Float32Array(capacity).fill(NaN);
    this.status = new Uint16Array(capacity);
    this.outcome = new Uint8Array(capacity).fill(OutcomeCode.ABORTED);
  }

  markIssued(index: number, schedMs: number, lagMs: number): void {
    this.schedMs[index] = schedMs;
    this.lagMs[index] = lagMs;
    this.issued++;
  }

  markCompleted(index: number, latencyMs: number, status: number, outcome: OutcomeCode): void {
    this.latencyMs[index] = latencyMs;
    this.status[index] = status;
    this.outcome[index] = outcome;
    this.completed++;
  }

  /** Number of requests recorded (issued, whether or not they completed). */
  get count(): number {
    return this.issued;
  }
}

/** Builds a log from a list of already finished requests (the small validation phase). */
export function logFromEntries(
  name: string,
  entries: ReadonlyArray<{ schedMs: number; latencyMs: number; status: number; outcome: OutcomeCode }>,
): RequestLog {
  const log = new RequestLog(name, entries.length);
  entries.forEach((e, i) => {
    log.markIssued(i, e.schedMs, 0);
    log.markCompleted(i, e.latencyMs, e.status, e.outcome);
  });
  return log;
}
