// CPU time the whole machine spent busy, from /proc/stat (kit/proc-stat.ts): on a shared machine,
// what neither the stack nor the load generator used was taken by something else and skews the figures.
import { pollUntil } from '../kit/poll.js';
import { readCpuTimes, USER_HZ } from '../kit/proc-stat.js';

/**
 * Busy CPU-seconds of all CPUs since boot: time they ran something for this machine. Stolen time
 * is not in it (kit/proc-stat.ts's one definition), so that busy = stack + generator + other
 * compares like with like: cgroups charge a service the time it ran, not the time it waited.
 */
export async function machineBusySeconds(): Promise<number | undefined> {
  const times = await readCpuTimes().catch(() => undefined);
  return times === undefined ? undefined : times.busy / USER_HZ;
}

/**
 * Waits until the machine has been nearly idle (under `maxBusyCpus` busy) for two seconds in a
 * row, or `timeoutS` passed. Resolves with the seconds waited and whether it became idle.
 */
export async function waitForIdle(timeoutS: number, maxBusyCpus = 0.25): Promise<{ waitedS: number; idle: boolean }> {
  const started = Date.now();
  let quietSeconds = 0;
  let previous = await machineBusySeconds();
  if (previous === undefined) return { waitedS: 0, idle: false };
  // Each probe a second after the last: the busy CPU-seconds in it are the busy CPUs.
  const idle = await pollUntil(
    async () => {
      const now = (await machineBusySeconds())!;
      quietSeconds = now - previous! < maxBusyCpus ? quietSeconds + 1 : 0;
      previous = now;
      return quietSeconds >= 2;
    },
    { timeoutMs: timeoutS * 1000, intervalMs: 1000, waitFirst: true },
  );
  return { waitedS: Math.round((Date.now() - started) / 1000), idle: idle === true };
}
