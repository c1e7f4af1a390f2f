// The tooling's one reader of Linux CPU time: the machine's from /proc/stat (busy and stolen), a process's from /proc/<pid>/stat.
//
// One definition of steal for every bench: **steal as a share of the CPU time wanted, not of all
// time**. Between two readings, wanted = busy + stolen (the time the VM's vCPUs ran something or
// were runnable while the hypervisor ran something else); steal % = 100 x stolen / wanted. Not a
// share of all time: a mostly idle VM steals little in total even when each of its wake-ups waits,
// so a share of all time would call a badly contended host quiet. Busy never includes steal: it
// is CPU time the VM's processes got, comparable with the CPU time cgroups charge to a service.
import { readdir, readFile } from 'node:fs/promises';

/** /proc/stat and /proc/<pid>/stat count in clock ticks: 100 per second on Linux x86-64 and arm64. */
export const USER_HZ = 100;

export interface CpuTimes {
  /** Ticks of all CPUs running something: user, nice, system, irq, softirq (guest time is already in user). Not idle, iowait nor steal. */
  busy: number;
  /** Ticks a vCPU was runnable but the hypervisor ran something else. */
  steal: number;
}

/** CPU times from /proc/stat's "cpu " line (user nice system idle iowait irq softirq steal ...). */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no "cpu " line in /proc/stat');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { busy: user + nice + system + irq + softirq, steal };
}

/** The machine's CPU times since boot; undefined where there is no /proc/stat (not Linux). */
export async function readCpuTimes(): Promise<CpuTimes | undefined> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseProcStat(text);
}

/** Of the CPU time wanted between two readings (busy + stolen), the percent the host kept, to 0.1 (0 when nothing was wanted). */
export function stealPercent(before: CpuTimes, after: CpuTimes): number {
  const steal = after.steal - before.steal;
  const wanted = after.busy - before.busy + steal;
  return wanted > 0 ? Math.round((1000 * steal) / wanted) / 10 : 0;
}

/** A process's user + system ticks from its /proc/<pid>/stat line (the name in parentheses may hold spaces). */
export function parseProcessStat(text: string): number {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU ticks (user + system) a process has used. */
export async function processCpuTicks(pid: number): Promise<number> {
  return parseProcessStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * CPU ticks (user + system) of a process and all its live descendants (e.g. a postmaster and its
 * backends), from /proc/<pid>/stat; a descendant that exits between readings drops out.
 */
export async function processTreeCpuTicks(rootPid: number): Promise<number> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')));
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  stats.forEach((text, i) => {
    if (text === '') return; // exited meanwhile
    const pid = Number(pids[i]);
    ticks.set(pid, parseProcessStat(text));
    const ppid = parentPid(text);
    const siblings = children.get(ppid);
    if (siblings === undefined) children.set(ppid, [pid]);
    else siblings.push(pid);
  });
  let total = 0;
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    total += ticks.get(pid) ?? 0;
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** The parent's pid from a /proc/<pid>/stat line (field 4, the first after the state). */
function parentPid(text: string): number {
  const afterName = text.slice(text.lastIndexOf(')') + 2);
  return Number(afterName.slice(afterName.indexOf(' ') + 1, afterName.indexOf(' ', afterName.indexOf(' ') + 1)));
}
