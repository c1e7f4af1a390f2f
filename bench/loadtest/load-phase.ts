// The open-model load phase: arrivals leave at their scheduled times whatever the server does,
// each on its own new connection. A timer loop issues every arrival due by "now" and records how
// late it left, so a generator that falls behind shows up in the report instead of hiding in the
// latencies.

import { performance } from 'node:perf_hooks';
import { checkStatementReply, checkTransactionReply } from './checks.js';
import type { Completion, DoneCallback, OneShotClient } from './http-client.js';
import { OutcomeCode } from './outcome.js';
import { RequestLog } from './recorder.js';
import type { RequestTemplates } from './scenarios.js';
import { ArrivalCursor, LOAD_GROUPS, earliestCursor, officialProfile, type LoadGroupName } from './schedule.js';

/**
 * Below this much time to the next arrival we spin on setImmediate instead of sleeping, because
 * setTimeout has millisecond granularity. Measured on 2 cores sharing the server under test:
 * spinning longer (waking 1 ms early, spinning below 1.5 ms) cost 45% more CPU at scale 1 and
 * made the p99 send lag worse (3.4 vs 1.0 ms), because the spin starved the server.
 */
const SPIN_BELOW_MS = 0.5;
const MAX_INCONSISTENCY_SAMPLES = 20;

export interface LoadPhaseOptions {
  scale: number;
  rampS: number;
  holdS: number;
  timeoutMs: number;
  /** Stops issuing new arrivals early (Ctrl-C); outstanding requests are then aborted. */
  signal?: AbortSignal;
  /** Called about every `progressEveryMs` with a snapshot. */
  onProgress?: (p: LoadProgress) => void;
  progressEveryMs?: number;
}

export interface LoadProgress {
  elapsedS: number;
  plannedS: number;
  issued: number;
  planned: number;
  completed: number;
  inFlight: number;
  ko: number;
  /** Largest send lag since the previous progress report (ms). */
  recentMaxLagMs: number;
}

export interface LoadPhaseResult {
  logs: RequestLog[];
  plannedRequests: number;
  plannedDurationS: number;
  /** Wall time from the first scheduled arrival to the last completion. */
  durationMs: number;
  /** Peak number of outstanding requests in each second of the phase. */
  inFlightPerSecond: number[];
  maxInFlight: number;
  notSent: number;
  /** Error codes of requests that got no complete response. */
  errors: Record<string, number>;
  /** A few bodies that failed the balance check, for the report. */
  inconsistencySamples: string[];
  interrupted: boolean;
}

export function plannedLoad(scale: number, rampS: number, holdS: number): { requests: number; durationS: number } {
  let requests = 0;
  let durationS = 0;
  for (const g of LOAD_GROUPS) {
    const p = officialProfile(g, scale, rampS, holdS);
    requests += p.totalUsers;
    durationS = Math.max(durationS, p.durationS);
  }
  return { requests, durationS };
}

export function runLoadPhase(client: OneShotClient, templates: RequestTemplates, opts: LoadPhaseOptions): Promise<LoadPhaseResult> {
  const groupCount = LOAD_GROUPS.length;
  const profiles = LOAD_GROUPS.map((g) => officialProfile(g, opts.scale, opts.rampS, opts.holdS));
  const cursors = profiles.map((p) => new ArrivalCursor(p));
  const logs = LOAD_GROUPS.map((g, i) => new RequestLog(g, profiles[i]!.totalUsers));
  const planned = profiles.reduce((n, p) => n + p.totalUsers, 0);
  const plannedDurationS = Math.max(...profiles.map((p) => p.durationS));
  const hardDeadlineMs = plannedDurationS * 1000 + opts.timeoutMs + 2000;
  const inFlightPerSecond = new Array<number>(Math.ceil(hardDeadlineMs / 1000) + 1).fill(0);
  const errors: Record<string, number> = {};
  const inconsistencySamples: string[] = [];
  let notSent = 0;
  let maxInFlight = 0;
  let ko = 0;
  let recentMaxLag = 0;
  let interrupted = false;

  const onDone: DoneCallback = (tag: number, c: Completion) => {
    const g = tag % groupCount;
    const index = (tag - g) / groupCount;
    const group = LOAD_GROUPS[g]!;
    let outcome: OutcomeCode;
    if (c.error !== null) {
      outcome = c.error === 'TIMEOUT' ? OutcomeCode.TIMEOUT : c.error === 'ABORTED' ? OutcomeCode.ABORTED : OutcomeCode.CONN_ERROR;
      errors[c.error] = (errors[c.error] ?? 0) + 1;
    } else {
      outcome = checkReply(group, c.status, c.body);
      if (outcome === OutcomeCode.INCONSISTENT && inconsistencySamples.length < MAX_INCONSISTENCY_SAMPLES) {
        inconsistencySamples.push(`${group}: HTTP ${c.status} ${c.body.toString('utf8').slice(0, 300)}`);
      }
    }
    if (outcome !== OutcomeCode.OK) ko++;
    logs[g]!.markCompleted(index, c.endMs - c.startMs, c.status, outcome);
  };

  return new Promise((resolve) => {
    const t0 = performance.now();
    let lastProgress = t0;
    const progressEvery = opts.progressEveryMs ?? 10000;

    const sampleInFlight = (nowRel: number): void => {
      const s = Math.min(inFlightPerSecond.length - 1, Math.max(0, Math.floor(nowRel / 1000)));
      const n = client.inFlight;
      if (n > inFlightPerSecond[s]!) inFlightPerSecond[s] = n;
      if (n > maxInFlight) maxInFlight = n;
    };

    const report = (now: number): void => {
      if (opts.onProgress === undefined || now - lastProgress < progressEvery) return;
      lastProgress = now;
      let issued = 0;
      let completed = 0;
      for (const l of logs) {
        issued += l.issued;
        completed += l.completed;
      }
      opts.onProgress({
        elapsedS: (now - t0) / 1000,
        plannedS: plannedDurationS,
        issued,
        planned,
        completed,
        inFlight: client.inFlight,
        ko,
        recentMaxLagMs: recentMaxLag,
      });
      recentMaxLag = 0;
    };

    const tick = (): void => {
      if (opts.signal?.aborted) {
        interrupted = true;
        drain();
        return;
      }
      for (;;) {
        const ci = earliestCursor(cursors);
        if (ci < 0) {
          drain();
          return;
        }
        const cursor = cursors[ci]!;
        const nowRel = performance.now() - t0;
        const wait = cursor.nextMs - nowRel;
        if (wait > 0) {
          sampleInFlight(nowRel);
          report(t0 + nowRel);
          if (wait > SPIN_BELOW_MS) setTimeout(tick, Math.max(1, Math.floor(wait)));
          else setImmediate(tick);
          return;
        }
        const index = cursor.index;
        const lag = -wait;
        if (lag > recentMaxLag) recentMaxLag = lag;
        const log = logs[ci]!;
        log.markIssued(index, cursor.nextMs, lag);
        if (!client.send(templates.randomRequest(LOAD_GROUPS[ci]!), index * groupCount + ci, onDone)) {
          notSent++;
          ko++;
          log.markCompleted(index, NaN, 0, OutcomeCode.OVERLOADED);
        }
        cursor.advance();
      }
    };

    // After the last arrival: wait for the stragglers, bounded by the timeout (plus slack for
    // the sweep), then abort whatever is left so the run always ends.
    const drain = (): void => {
      const poll = setInterval(() => {
        const nowRel = performance.now() - t0;
        sampleInFlight(nowRel);
        report(t0 + nowRel);
        const pastDeadline = nowRel > hardDeadlineMs;
        if (client.inFlight > 0 && (interrupted || pastDeadline)) client.abortAll('ABORTED');
        if (client.inFlight === 0) {
          clearInterval(poll);
          const lastSecond = Math.ceil(nowRel / 1000);
          resolve({
            logs,
            plannedRequests: planned,
            plannedDurationS,
            durationMs: nowRel,
            inFlightPerSecond: inFlightPerSecond.slice(0, Math.max(1, lastSecond)),
            maxInFlight,
            notSent,
            errors,
            inconsistencySamples,
            interrupted,
          });
        }
      }, 20);
    };

    tick();
  });
}

function checkReply(group: LoadGroupName, status: number, body: Buffer): OutcomeCode {
  switch (group) {
    case 'débitos':
      return checkTransactionReply(status, body, true);
    case 'créditos':
      return checkTransactionReply(status, body, false);
    case 'extratos':
      return checkStatementReply(status, body);
  }
}
