// Linux cgroups for the local stack: find the cpu and memory controllers (cgroup v1, or a cgroup
// v2 subtree we may use), make one cgroup per service with a CPU quota and a memory limit, read
// what each one used, and remove them. The pure parts (mount parsing, the choice of hierarchy,
// the file writes a limit means) are exported for the unit tests.
import { constants } from 'node:fs';
import { access, mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pollUntil } from '../../kit/poll.js';
import { CFS_PERIOD_US, cfsQuotaUs, type ServiceLimits } from './compose-limits.js';

export type CgroupVersion = 1 | 2;

export interface CgroupMount {
  readonly version: CgroupVersion;
  readonly dir: string;
  /** v1: the controllers bound to this hierarchy (among cpu, cpuacct, memory); v2: empty here. */
  readonly controllers: readonly string[];
}

export class CgroupError extends Error {
  override name = 'CgroupError';
}

const WANTED_V1 = ['cpu', 'cpuacct', 'memory'];

/** The cgroup mounts in /proc/self/mounts text. */
export function parseCgroupMounts(mounts: string): CgroupMount[] {
  const result: CgroupMount[] = [];
  for (const line of mounts.split('\n')) {
    const [, dir, type, options] = line.split(' ');
    if (dir === undefined || options === undefined) continue;
    // Mount points escape spaces and the like as octal (\040).
    const decoded = dir.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
    if (type === 'cgroup2') result.push({ version: 2, dir: decoded, controllers: [] });
    else if (type === 'cgroup') {
      const controllers = options.split(',').filter((option) => WANTED_V1.includes(option));
      if (controllers.length > 0) result.push({ version: 1, dir: decoded, controllers });
    }
  }
  return result;
}

/** Where a run's cgroups live: v1 one directory per controller, v2 one directory. */
export type Hierarchy =
  | { readonly version: 1; readonly cpu: string; readonly cpuacct: string | undefined; readonly memory: string }
  | { readonly version: 2; readonly dir: string };

/**
 * Picks the hierarchy: cgroup v1 when both cpu and memory are v1 controllers (a hybrid machine,
 * whose cgroup2 mount then has neither), else cgroup v2 when its mount has both controllers
 * available (`v2Controllers`: the mount's cgroup.controllers). `v2Parent` is the v2 cgroup to
 * create ours under (a delegated subtree), relative to the mount; the mount's root by default.
 */
export function chooseHierarchy(mounts: readonly CgroupMount[], v2Controllers: readonly string[] | undefined, v2Parent = ''): Hierarchy {
  const v1 = (controller: string) => mounts.find((mount) => mount.version === 1 && mount.controllers.includes(controller))?.dir;
  const cpu = v1('cpu');
  const memory = v1('memory');
  if (cpu !== undefined && memory !== undefined) return { version: 1, cpu, cpuacct: v1('cpuacct'), memory };
  const unified = mounts.find((mount) => mount.version === 2);
  if (unified !== undefined && v2Controllers !== undefined && v2Controllers.includes('cpu') && v2Controllers.includes('memory')) {
    return { version: 2, dir: path.join(unified.dir, v2Parent) };
  }
  const found = mounts.map((mount) => (mount.version === 1 ? `v1 ${mount.controllers.join(',')} at ${mount.dir}` : `v2 at ${mount.dir} (controllers: ${v2Controllers?.join(' ') || 'none'})`));
  throw new CgroupError(
    `no cgroup hierarchy with both the cpu and memory controllers: found ${found.length === 0 ? 'no cgroup mount' : found.join('; ')}`,
  );
}

/** The directories of one cgroup (`relative` under the hierarchy), one per distinct mount. */
export function cgroupDirs(hierarchy: Hierarchy, relative: string): { cpu: string; cpuacct: string | undefined; memory: string; all: string[] } {
  if (hierarchy.version === 2) {
    const dir = path.join(hierarchy.dir, relative);
    return { cpu: dir, cpuacct: dir, memory: dir, all: [dir] };
  }
  const cpu = path.join(hierarchy.cpu, relative);
  const cpuacct = hierarchy.cpuacct === undefined ? undefined : path.join(hierarchy.cpuacct, relative);
  const memory = path.join(hierarchy.memory, relative);
  return { cpu, cpuacct, memory, all: [...new Set([cpu, ...(cpuacct ? [cpuacct] : []), memory])] };
}

/** The file writes that set a service's limits, in order. Swap is left as the machine has it. */
export function limitWrites(hierarchy: Hierarchy, relative: string, limits: Pick<ServiceLimits, 'cpus' | 'memoryBytes'>): [file: string, value: string][] {
  const dirs = cgroupDirs(hierarchy, relative);
  const quota = cfsQuotaUs(limits.cpus);
  if (hierarchy.version === 2) {
    return [
      [path.join(dirs.cpu, 'cpu.max'), `${quota} ${CFS_PERIOD_US}`],
      [path.join(dirs.memory, 'memory.max'), String(limits.memoryBytes)],
    ];
  }
  return [
    // Period before quota: the kernel checks the quota against the period in place.
    [path.join(dirs.cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US)],
    [path.join(dirs.cpu, 'cpu.cfs_quota_us'), String(quota)],
    [path.join(dirs.memory, 'memory.limit_in_bytes'), String(limits.memoryBytes)],
  ];
}

/** The file a process writes its pid to, to join the cgroup, in each mount. */
export function procsFiles(hierarchy: Hierarchy, relative: string): string[] {
  return cgroupDirs(hierarchy, relative).all.map((dir) => path.join(dir, 'cgroup.procs'));
}

export interface CgroupUsage {
  /** Highest memory charged at once (v1 memory.max_usage_in_bytes, v2 memory.peak); includes page cache. */
  readonly peakMemoryBytes: number | undefined;
  readonly memoryBytes: number | undefined;
  /** CPU time of all its processes (v1 cpuacct.usage, v2 cpu.stat usage_usec), in seconds. */
  readonly cpuSeconds: number | undefined;
  /** CFS periods in which the quota ran out, of all periods with activity. */
  readonly throttledPeriods: number | undefined;
  readonly periods: number | undefined;
  readonly throttledSeconds: number | undefined;
  /** Processes the kernel killed for hitting the memory limit. */
  readonly oomKills: number | undefined;
}

/** `key value` lines (cpu.stat, memory.events, memory.oom_control) as numbers. */
export function parseKeyValues(text: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) result[key] = Number(value);
  }
  return result;
}

async function readNumber(file: string | undefined): Promise<number | undefined> {
  if (file === undefined) return undefined;
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined || !/^\d+\s*$/.test(text) ? undefined : Number(text);
}

async function readKeyValues(file: string): Promise<Record<string, number>> {
  return parseKeyValues(await readFile(file, 'utf8').catch(() => ''));
}

export async function readUsage(hierarchy: Hierarchy, relative: string, sampledPeak?: number): Promise<CgroupUsage> {
  const dirs = cgroupDirs(hierarchy, relative);
  if (hierarchy.version === 2) {
    const cpu = await readKeyValues(path.join(dirs.cpu, 'cpu.stat'));
    const events = await readKeyValues(path.join(dirs.memory, 'memory.events'));
    const current = await readNumber(path.join(dirs.memory, 'memory.current'));
    // memory.peak exists from Linux 5.19; before that the peak is what we sampled.
    const peak = (await readNumber(path.join(dirs.memory, 'memory.peak'))) ?? max(sampledPeak, current);
    return {
      peakMemoryBytes: peak,
      memoryBytes: current,
      cpuSeconds: cpu.usage_usec === undefined ? undefined : cpu.usage_usec / 1e6,
      throttledPeriods: cpu.nr_throttled,
      periods: cpu.nr_periods,
      throttledSeconds: cpu.throttled_usec === undefined ? undefined : cpu.throttled_usec / 1e6,
      oomKills: events.oom_kill,
    };
  }
  const cpu = await readKeyValues(path.join(dirs.cpu, 'cpu.stat'));
  const oom = await readKeyValues(path.join(dirs.memory, 'memory.oom_control'));
  const usageNs = await readNumber(dirs.cpuacct && path.join(dirs.cpuacct, 'cpuacct.usage'));
  return {
    peakMemoryBytes: await readNumber(path.join(dirs.memory, 'memory.max_usage_in_bytes')),
    memoryBytes: await readNumber(path.join(dirs.memory, 'memory.usage_in_bytes')),
    cpuSeconds: usageNs === undefined ? undefined : usageNs / 1e9,
    throttledPeriods: cpu.nr_throttled,
    periods: cpu.nr_periods,
    throttledSeconds: cpu.throttled_time === undefined ? undefined : cpu.throttled_time / 1e9,
    oomKills: oom.oom_kill,
  };
}

function max(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** Reads the cgroup mounts of this process and the v2 mount's available controllers. */
export async function discoverHierarchy(v2Parent?: string): Promise<Hierarchy> {
  const mounts = parseCgroupMounts(await readFile('/proc/self/mounts', 'utf8'));
  const unified = mounts.find((mount) => mount.version === 2);
  const parentDir = unified && path.join(unified.dir, v2Parent ?? '');
  const v2Controllers = parentDir === undefined ? undefined : (await readFile(path.join(parentDir, 'cgroup.controllers'), 'utf8').catch(() => '')).trim().split(/\s+/);
  return chooseHierarchy(mounts, v2Controllers, v2Parent);
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message;
  if (code === 'EACCES' || code === 'EPERM') {
    return `${message}: not permitted${process.getuid?.() === 0 ? '' : ' (not running as root: run as root, or on cgroup v2 point LIMITS_CGROUP_PARENT at a cgroup delegated to you)'}`;
  }
  if (code === 'EROFS') return `${message}: the cgroup file system is mounted read-only (e.g. in a container without a writable /sys/fs/cgroup)`;
  return message;
}

async function write(file: string, value: string, what: string): Promise<void> {
  try {
    await writeFile(file, value);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'ENOENT'
        ? ' (the controller is not enabled for this cgroup)'
        : code === 'EBUSY' && file.endsWith('cgroup.subtree_control')
          ? ' (cgroup v2 lets a cgroup hand controllers to children only when it has no processes of its own: ' +
            'point LIMITS_CGROUP_PARENT at a delegated cgroup without processes, e.g. under `systemd-run --scope -p Delegate=yes`)'
          : '';
    throw new CgroupError(`cannot ${what}: ${describe(error)}${hint}`);
  }
}

/**
 * Creates `runName` under the hierarchy with one child per service, each with its limits (or,
 * with `enforce` false, none: the cgroups then only account for what each service uses).
 * Throws CgroupError, with the reason, when that is not permitted; nothing is left behind then.
 */
export async function createCgroups(hierarchy: Hierarchy, runName: string, services: readonly ServiceLimits[], enforce = true): Promise<void> {
  const created: string[] = [];
  try {
    const runDirs = cgroupDirs(hierarchy, runName).all;
    for (const dir of runDirs) {
      try {
        await mkdir(dir);
      } catch (error) {
        throw new CgroupError(`cannot create cgroup ${dir}: ${describe(error)}`);
      }
      created.push(dir);
    }
    if (hierarchy.version === 2) {
      // Each level hands cpu and memory down to the next.
      const control = (dir: string) => write(path.join(dir, 'cgroup.subtree_control'), '+cpu +memory', `enable cpu and memory in ${dir}`);
      const parentControl = await readFile(path.join(hierarchy.dir, 'cgroup.subtree_control'), 'utf8').catch(() => '');
      if (!/\bcpu\b/.test(parentControl) || !/\bmemory\b/.test(parentControl)) await control(hierarchy.dir);
      await control(runDirs[0]!);
    }
    for (const service of services) {
      const relative = path.join(runName, service.service);
      for (const dir of cgroupDirs(hierarchy, relative).all) {
        try {
          await mkdir(dir);
        } catch (error) {
          throw new CgroupError(`cannot create cgroup ${dir}: ${describe(error)}`);
        }
        created.push(dir);
      }
      if (enforce) {
        for (const [file, value] of limitWrites(hierarchy, relative, service)) await write(file, value, `set ${service.service}'s limit ${path.basename(file)}=${value}`);
      }
      // A process that is not root (Postgres drops to its own user) joins through a root wrapper,
      // but the file must at least be writable for root: check it now, not at spawn time.
      for (const file of procsFiles(hierarchy, relative)) {
        try {
          await access(file, constants.W_OK);
        } catch (error) {
          throw new CgroupError(`cannot move processes into ${path.dirname(file)}: ${describe(error)}`);
        }
      }
    }
  } catch (error) {
    for (const dir of created.reverse()) await rmdir(dir).catch(() => {});
    throw error;
  }
}

/** Pids still in a cgroup (in any of its mounts). */
export async function cgroupPids(hierarchy: Hierarchy, relative: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const file of procsFiles(hierarchy, relative)) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) if (/^\d+$/.test(line)) pids.add(Number(line));
  }
  return [...pids];
}

/**
 * Removes the run's cgroups. A cgroup with processes cannot be removed: waits up to `graceMs`
 * for them to exit (Postgres backends finish after the postmaster), then kills what is left,
 * which can only be processes this run started in them, and tries once more.
 */
export async function removeCgroups(hierarchy: Hierarchy, runName: string, services: readonly string[], graceMs = 5000): Promise<string[]> {
  const problems: string[] = [];
  const emptied = async () => {
    for (const service of services) if ((await cgroupPids(hierarchy, path.join(runName, service))).length > 0) return false;
    return true;
  };
  await pollUntil(emptied, { timeoutMs: graceMs, intervalMs: 100 });
  for (const service of services) {
    const relative = path.join(runName, service);
    const pids = await cgroupPids(hierarchy, relative);
    if (pids.length > 0) {
      problems.push(`${service}: processes ${pids.join(', ')} were still running after ${graceMs} ms; killed them`);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const dir of cgroupDirs(hierarchy, relative).all) {
      await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') problems.push(`cannot remove ${dir}: ${error.message}`);
      });
    }
  }
  for (const dir of cgroupDirs(hierarchy, runName).all) {
    await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') problems.push(`cannot remove ${dir}: ${error.message}`);
    });
  }
  return problems;
}

/**
 * Removes the empty cgroups earlier runs left behind when they were killed (named
 * `<prefix><pid>` for a pid that no longer exists). Cgroups with processes are kept.
 */
export async function removeStaleCgroups(hierarchy: Hierarchy, prefix: string): Promise<void> {
  const parents = hierarchy.version === 2 ? [hierarchy.dir] : [...new Set([hierarchy.cpu, hierarchy.cpuacct, hierarchy.memory].filter((d): d is string => d !== undefined))];
  for (const parent of parents) {
    const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const match = entry.isDirectory() && entry.name.startsWith(prefix) ? /^(\d+)$/.exec(entry.name.slice(prefix.length)) : null;
      if (match === null || processExists(Number(match[1]))) continue;
      const dir = path.join(parent, entry.name);
      const children = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((child) => child.isDirectory());
      for (const child of children) await rmdir(path.join(dir, child.name)).catch(() => {});
      await rmdir(dir).catch(() => {});
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
