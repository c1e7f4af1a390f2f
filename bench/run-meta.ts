// What every benchmark output states: the commit (and whether the tree was dirty, naming the
// dirty files of the service itself), the machine, the date and the exact command.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { API_SETTING_NAMES } from '../kit/api-env.js';

export interface RunMeta {
  /** `git rev-parse --short HEAD`, plus -dirty when tracked files differ from it. */
  commit: string;
  /** Tracked files of the service (src/, sql/, nginx/, docker-compose.yml) that differ from HEAD. */
  dirtyServiceFiles: string[];
  machine: { nproc: number; cpuModel: string; memoryGiB: number; kernel: string; node: string };
  /** 1-minute load average when the run started: other work on the machine skews the figures. */
  loadAverageAtStart: number;
  date: string;
  command: string;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The command as typed: `npm run bench -- ...` when npm ran us. */
export function commandLine(argv: readonly string[] = process.argv.slice(2)): string {
  const quoted = argv.map((arg) => (/^[\w./:=,@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
  const script = process.env.npm_lifecycle_event;
  const prefix = script ? `npm run ${script}` : `node ${process.argv[1] ?? ''}`;
  const env = ['LIMITS', 'LIMITS_CGROUP_PARENT', ...API_SETTING_NAMES].filter((name) => process.env[name] !== undefined).map((name) => `${name}=${process.env[name]} `).join('');
  return `${env}${prefix}${quoted ? (script ? ` -- ${quoted}` : ` ${quoted}`) : ''}`;
}

export function runMeta(now = new Date()): RunMeta {
  const head = git(['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const changed = (git(['status', '--porcelain', '--untracked-files=no']) ?? '').split('\n').filter(Boolean).map((line) => line.slice(3));
  return {
    commit: changed.length > 0 ? `${head}-dirty` : head,
    dirtyServiceFiles: changed.filter((file) => /^(src|sql|nginx)\/|^docker-compose\.yml$/.test(file)),
    machine: {
      nproc: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      kernel: release(),
      node: process.version,
    },
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
    date: now.toISOString(),
    command: commandLine(),
  };
}

export function formatMeta(meta: RunMeta, limits: string): string {
  return [
    `command: ${meta.command}`,
    `commit:  ${meta.commit}${meta.dirtyServiceFiles.length > 0 ? ` (service files differing from HEAD: ${meta.dirtyServiceFiles.join(', ')})` : ''}`,
    `machine: ${meta.machine.nproc} x ${meta.machine.cpuModel}, ${meta.machine.memoryGiB} GiB, Linux ${meta.machine.kernel}, Node ${meta.machine.node}`,
    `date:    ${meta.date} (load average ${meta.loadAverageAtStart} at start)`,
    `limits:  ${limits}`,
  ].join('\n');
}
