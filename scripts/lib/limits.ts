// Runs the local stack under the limits docker-compose.yml gives each service, without Docker:
// one cgroup per service (db, api01, api02, nginx) with compose's CPU quota and memory limit.
// `npm start -- --limits` and `npm run bench -- --limits` use it:
//
//   const limits = await applyComposeLimits('docker-compose.yml');
//   const stack = await Stack.start({ ..., wrapCommand: limits.wrapCommand });
//   ...; await stack.stop(); process.stderr.write(await limits.report()); await limits.cleanup();
//
// How a process gets in: each service's command is wrapped in `sh -c`, which writes its own pid
// to the cgroup's cgroup.procs and then execs the real command (same pid, so the stack's pid
// bookkeeping and signals are unchanged, and every child it forks starts inside). Postgres must
// not run as root: the wrapper joins the cgroup as root and only then drops to the postgres user
// with `setpriv`, because an unprivileged process may not move itself into a root-owned cgroup
// (and under cgroup v2 not even into one it owns, without write access to the common ancestor).
// Moving the pid from the parent after spawn would race with Postgres forking its workers.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { textTable } from '../../kit/table.js';
import {
  CgroupError,
  cgroupDirs,
  createCgroups,
  discoverHierarchy,
  procsFiles,
  readUsage,
  removeCgroups,
  removeStaleCgroups,
  type CgroupUsage,
  type Hierarchy,
} from './cgroup.js';
import { budgetProblems, parseComposeLimits, parseComposeRuntime, type ComposeRuntime, type ServiceLimits } from './compose-limits.js';

export { CgroupError } from './cgroup.js';
export { ComposeLimitsError } from './compose-limits.js';

/** docker-compose.yml at the root of the repository (this file runs from dist/scripts/lib). */
export const COMPOSE_FILE = path.resolve(new URL('../../../docker-compose.yml', import.meta.url).pathname);

const RUN_PREFIX = 'crebitos-';

/** Joins the cgroups named before `--` (one cgroup.procs file per mount), then execs the rest. */
const JOIN_SCRIPT = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

export interface WrappedCommand {
  command: string;
  args: string[];
  /** The wrapper switches to the requested user itself: spawn it with the caller's identity. */
  switchesUser?: boolean;
}

export interface ServiceUsage extends CgroupUsage {
  readonly service: string;
  readonly limits: ServiceLimits | undefined;
}

export interface LimitsUsage {
  readonly cgroupVersion: 1 | 2;
  /** false: the cgroups only accounted; the limits shown were not applied. */
  readonly enforced: boolean;
  /** Where the run's cgroups are, e.g. /sys/fs/cgroup/{cpu,cpuacct,memory}/crebitos-1234 */
  readonly location: string;
  readonly services: ServiceUsage[];
  /** The whole run's cgroup: its peak is the highest the services used at the same time. */
  readonly stack: CgroupUsage;
}

export interface ComposeLimits {
  readonly cgroupVersion: 1 | 2;
  readonly location: string;
  /** false: accounting only, nothing is limited. */
  readonly enforced: boolean;
  readonly services: readonly ServiceLimits[];
  /** Settings compose gives the services with these limits (API env, Postgres `-c`). */
  readonly runtime: ComposeRuntime;
  /** Problems with the Rinha budget (1.5 CPU, 550MB in all); empty when within it. */
  readonly budgetProblems: readonly string[];
  /** For Stack.start: runs `service` in its cgroup; throws for a service compose does not limit. */
  wrapCommand(service: string, command: string, args: string[], user?: { uid: number; gid: number }): WrappedCommand;
  usage(): Promise<LimitsUsage>;
  /** A table of each service's peak memory and CPU time. */
  report(): Promise<string>;
  /** Removes the cgroups (waits for their processes to exit first). Idempotent. */
  cleanup(): Promise<void>;
}

export interface ApplyOptions {
  /** cgroup v2 only: the (delegated) cgroup to create ours under, relative to the v2 mount. */
  cgroupParent?: string;
  /** Name of the run's cgroup; `crebitos-<pid>` by default. */
  runName?: string;
  /**
   * false: create the cgroups without limits, only to account for each service's CPU and memory
   * (a benchmark without limits still learns who used the CPU). Default true.
   */
  enforce?: boolean;
}

/**
 * Creates one cgroup per service of `composeFile` with its limits. Throws, saying why, when the
 * file has no limits for a service or when cgroups cannot be created here (not root, no writable
 * cpu and memory controllers): never silently runs unlimited.
 */
export async function applyComposeLimits(composeFile = COMPOSE_FILE, options: ApplyOptions = {}): Promise<ComposeLimits> {
  if (process.platform !== 'linux') throw new CgroupError(`limits need Linux cgroups; this is ${process.platform}`);
  let text: string;
  try {
    text = await readFile(composeFile, 'utf8');
  } catch (error) {
    throw new CgroupError(`cannot read the limits from ${composeFile}: ${(error as Error).message}`);
  }
  const services = parseComposeLimits(text);
  const runtime = parseComposeRuntime(text);
  const hierarchy = await discoverHierarchy(options.cgroupParent ?? process.env.LIMITS_CGROUP_PARENT);
  const runName = options.runName ?? `${RUN_PREFIX}${process.pid}`;
  await removeStaleCgroups(hierarchy, RUN_PREFIX);
  const enforce = options.enforce ?? true;
  await createCgroups(hierarchy, runName, services, enforce);
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv'].find((file) => existsSync(file));

  // v2 has no memory.peak before Linux 5.19: then sample memory.current every second.
  const sampled = new Map<string, number>();
  let sampler: NodeJS.Timeout | undefined;
  if (hierarchy.version === 2 && !existsSync(path.join(cgroupDirs(hierarchy, runName).memory, 'memory.peak'))) {
    sampler = setInterval(() => {
      for (const relative of [runName, ...services.map((s) => path.join(runName, s.service))]) {
        void readUsage(hierarchy, relative).then((usage) => {
          if (usage.memoryBytes !== undefined) sampled.set(relative, Math.max(sampled.get(relative) ?? 0, usage.memoryBytes));
        });
      }
    }, 1000);
    sampler.unref();
  }

  const location = describeLocation(hierarchy, runName);
  let cleaned: Promise<void> | undefined;
  const usage = async (): Promise<LimitsUsage> => ({
    cgroupVersion: hierarchy.version,
    enforced: enforce,
    location,
    services: await Promise.all(
      services.map(async (limits) => {
        const relative = path.join(runName, limits.service);
        return { service: limits.service, limits, ...(await readUsage(hierarchy, relative, sampled.get(relative))) };
      }),
    ),
    stack: await readUsage(hierarchy, runName, sampled.get(runName)),
  });

  return {
    cgroupVersion: hierarchy.version,
    location,
    enforced: enforce,
    services,
    runtime,
    budgetProblems: budgetProblems(services),
    wrapCommand(service, command, args, user) {
      if (!services.some((s) => s.service === service)) {
        throw new CgroupError(`${path.basename(composeFile)} declares no limits for service "${service}"; refusing to run it unlimited`);
      }
      if (user !== undefined && setpriv === undefined) {
        throw new CgroupError(`${service} must run as uid ${user.uid}, but setpriv (util-linux) is not installed`);
      }
      const files = procsFiles(hierarchy, path.join(runName, service));
      return joinCgroupCommand(files, command, args, user && { setpriv: setpriv!, ...user });
    },
    usage,
    async report() {
      return formatUsage(await usage());
    },
    cleanup() {
      cleaned ??= (async () => {
        clearInterval(sampler);
        const problems = await removeCgroups(hierarchy, runName, services.map((s) => s.service));
        if (problems.length > 0) throw new CgroupError(`cleaning up the cgroups:\n  ${problems.join('\n  ')}`);
      })();
      return cleaned;
    },
  };
}

/**
 * `command args` wrapped so that it first joins a cgroup (writes its pid to each of `procsFiles`)
 * and then, if `user` is given, drops to that user with setpriv, keeping its pid throughout.
 */
export function joinCgroupCommand(
  procsFiles: readonly string[],
  command: string,
  args: readonly string[],
  user?: { setpriv: string; uid: number; gid: number },
): WrappedCommand {
  // --clear-groups: what spawn({ uid, gid }) does too (libuv drops supplementary groups).
  const drop = user === undefined ? [] : [user.setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--'];
  return {
    command: '/bin/sh',
    args: ['-c', JOIN_SCRIPT, `${RUN_PREFIX}join`, ...procsFiles, '--', ...drop, command, ...args],
    ...(user !== undefined ? { switchesUser: true } : {}),
  };
}

function describeLocation(hierarchy: Hierarchy, runName: string): string {
  if (hierarchy.version === 2) return path.join(hierarchy.dir, runName);
  const dirs = [...new Set([hierarchy.cpu, hierarchy.cpuacct, hierarchy.memory].filter((d): d is string => d !== undefined))];
  const parent = path.dirname(dirs[0]!);
  return dirs.every((dir) => path.dirname(dir) === parent)
    ? `${parent}/{${dirs.map((dir) => path.basename(dir)).join(',')}}/${runName}`
    : dirs.map((dir) => path.join(dir, runName)).join(', ');
}

const MIB = 1024 * 1024;

export function formatMiB(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / MIB).toFixed(1)} MiB`;
}

/** The usage as a table, memory in MiB (= compose's "MB", see compose-limits.ts). */
export function formatUsage(usage: LimitsUsage): string {
  const header = ['service', 'cpus', 'cpu time', 'throttled periods', 'memory limit', 'peak memory', 'oom kills'];
  const rows: string[][] = [];
  const seconds = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)} s`);
  const throttled = (u: CgroupUsage) =>
    u.throttledPeriods === undefined ? 'n/a' : `${u.throttledPeriods}/${u.periods ?? '?'} (${seconds(u.throttledSeconds)})`;
  for (const u of usage.services) {
    rows.push([u.service, String(u.limits?.cpus ?? 'n/a'), seconds(u.cpuSeconds), throttled(u), u.limits ? `${formatMiB(u.limits.memoryBytes)} (${u.limits.memoryText})` : 'n/a', formatMiB(u.peakMemoryBytes), String(u.oomKills ?? 'n/a')]);
  }
  const limitSum = usage.services.reduce((sum, u) => sum + (u.limits?.memoryBytes ?? 0), 0);
  const cpuSum = usage.services.reduce((sum, u) => sum + (u.limits?.cpus ?? 0), 0);
  rows.push(['whole stack', String(Math.round(cpuSum * 1000) / 1000), seconds(usage.stack.cpuSeconds), '', formatMiB(limitSum), `${formatMiB(usage.stack.peakMemoryBytes)} at once`, '']);
  return [
    `${usage.enforced ? 'limits' : 'accounting only, NOT limited (compose limits shown for reference)'}: cgroup v${usage.cgroupVersion} at ${usage.location}`,
    textTable(header, rows, { align: 'left' }),
    'peak memory includes page cache charged to the cgroup (Postgres reads and writes its files through it)',
  ].join('\n');
}
