// CPU time the whole machine spent busy, from /proc/stat: on a shared machine, what neither the
// stack nor the load generator used was taken by something else and skews the figures.
import { readFile } from 'node:fs/promises';

const USER_HZ = 100; // /proc/stat counts in clock ticks; 100 per second on Linux x86-64 and arm64

/** Busy CPU-seconds of all CPUs since boot (everything but idle and iowait). */
export async function machineBusySeconds(): Promise<number | undefined> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => undefined);
  const fields = text?.split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  if (fields === undefined || fields.length < 5) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const [user, nice, system, , , irq = 0, softirq = 0, steal = 0] = fields as number[];
  return (user! + nice! + system! + irq + softirq + steal) / USER_HZ;
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
  while (Date.now() - started < timeoutS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = (await machineBusySeconds())!;
    quietSeconds = now - previous < maxBusyCpus ? quietSeconds + 1 : 0;
    previous = now;
    if (quietSeconds >= 2) return { waitedS: Math.round((Date.now() - started) / 1000), idle: true };
  }
  return { waitedS: Math.round((Date.now() - started) / 1000), idle: false };
}
