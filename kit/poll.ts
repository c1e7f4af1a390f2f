// The tooling's one poll-until-deadline loop: every "try, sleep, try again until it is time to give up" in bench/, scripts/ and test/helpers.
import { performance } from 'node:perf_hooks';

export interface PollOptions {
  /** Give up once a probe fails this long after the start (the probe runs at least once). */
  timeoutMs: number;
  /** Pause after each failed probe. */
  intervalMs: number;
  /** Pause once before the first probe too (for a probe that measures the change since the last reading). */
  waitFirst?: boolean;
}

/** What a probe returns when it is not there yet. */
type NotYet = false | undefined;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `probe` until it returns something other than false or undefined, and resolves with that;
 * resolves undefined when it still had not after `timeoutMs`. A probe that throws rejects the
 * poll: a probe for which an error means "not yet" catches it (and may keep it for the message).
 */
export async function pollUntil<T>(probe: () => T | NotYet | Promise<T | NotYet>, options: PollOptions): Promise<Exclude<T, NotYet> | undefined> {
  const started = performance.now();
  if (options.waitFirst) await sleep(options.intervalMs);
  for (;;) {
    const value = await probe();
    if (value !== false && value !== undefined) return value as Exclude<T, NotYet>;
    if (performance.now() - started >= options.timeoutMs) return undefined;
    await sleep(options.intervalMs);
  }
}

/** Polls `probe` until it returns true; rejects with `what` after timeoutMs. */
export async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<void> {
  if ((await pollUntil(probe, { timeoutMs, intervalMs })) === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}
