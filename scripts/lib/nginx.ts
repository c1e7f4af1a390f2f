// Runs real nginx for the local stack and the tests, with a config derived from
// nginx/nginx.conf (the compose one): only the upstream servers, the listen address and the
// file locations change, so what we test is what compose runs.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pollUntil } from '../../kit/poll.js';
import { waitUntilListening } from './ports.js';

export const NGINX_CONF = new URL('../../../nginx/nginx.conf', import.meta.url);

export interface NginxOptions {
  listenPort: number;
  upstreamPorts: number[];
  /** Folder for the derived config, pid file, logs and temp files. */
  workDir: string;
  host?: string;
  /** How long start() waits for the pid file and the port (default 10 s). */
  startTimeoutMs?: number;
  /** Wraps the nginx command, e.g. to start it inside a cgroup. */
  wrapCommand?: (command: string, args: string[]) => { command: string; args: string[] };
}

/** The nginx binary on PATH or in the usual places, or undefined. */
export function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** nginx/nginx.conf with local upstreams, listen address and file locations. */
export function deriveLocalConfig(composeConfig: string, options: NginxOptions): string {
  const host = options.host ?? '127.0.0.1';
  const work = path.resolve(options.workDir);
  // Only the addresses change: each server keeps its parameters (e.g. max_fails=0).
  const block = /upstream api \{\n((?:\s*server [^\n]+;\n)+)/.exec(composeConfig)?.[1] ?? '';
  const parameters = [...block.matchAll(/server \S+?((?: [^;\n]*)?);/g)].map((match) => match[1]!);
  const upstreamServers = options.upstreamPorts.map((port, i) => `        server ${host}:${port}${parameters[i] ?? parameters[0] ?? ''};`).join('\n');
  let config = composeConfig.replace(/(upstream api \{\n)((?:\s*server [^\n]+;\n)+)/, `$1${upstreamServers}\n`);
  if (!config.includes(`server ${host}:${options.upstreamPorts[0]}`)) throw new Error('nginx.conf: upstream api block not found');
  config = config.replace(/listen 9999\b/, `listen ${host}:${options.listenPort}`);
  if (!config.includes(`listen ${host}:${options.listenPort}`)) throw new Error('nginx.conf: listen 9999 line not found');
  config = config.replace('error_log /dev/stderr warn;', `error_log ${work}/error.log warn;`);
  const files = [
    `daemon off;`,
    `pid ${work}/nginx.pid;`,
    `error_log ${work}/error.log warn;`,
  ].join('\n');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${work}/${kind}_temp;`)
    .join('\n');
  return `${files}\n${config.replace('http {\n', `http {\n${temp}\n`)}`;
}

export class NginxProcess {
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly binary: string,
    private readonly options: NginxOptions,
  ) {}

  /** The master's pid while it runs. */
  get pid(): number | undefined {
    const child = this.process;
    return child !== undefined && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  get configFile(): string {
    return path.join(path.resolve(this.options.workDir), 'nginx.conf');
  }

  async start(): Promise<void> {
    await mkdir(this.options.workDir, { recursive: true });
    const config = deriveLocalConfig(await readFile(NGINX_CONF, 'utf8'), this.options);
    await writeFile(this.configFile, config);
    // Removed before the spawn: removing it after would race with a fast nginx writing it.
    const pidFile = path.join(path.resolve(this.options.workDir), 'nginx.pid');
    await rm(pidFile, { force: true });
    const args = ['-c', this.configFile, '-e', path.join(path.resolve(this.options.workDir), 'error.log')];
    const command = this.options.wrapCommand?.(this.binary, args) ?? { command: this.binary, args };
    const child = spawn(command.command, command.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const early = this.exited.then(() => {
      throw new Error(`nginx exited at start: ${stderr.trim()}`);
    });
    // Something else may already answer on the port (nginx then retries its bind and exits):
    // ready means nginx wrote its pid file, which it does only after binding, and the port answers.
    try {
      const timeoutMs = this.options.startTimeoutMs ?? 10_000;
      await Promise.race([waitForFile(pidFile, timeoutMs).then(() => waitUntilListening(this.options.listenPort, timeoutMs, this.options.host)), early]);
    } catch (error) {
      // Never leave a half-started nginx behind: it would hold the port and keep the caller alive.
      await this.stop();
      throw error;
    } finally {
      early.catch(() => {});
    }
  }

  /** Graceful stop (SIGQUIT): finishes requests in progress. */
  async stop(): Promise<void> {
    const child = this.process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
    this.process = undefined;
  }
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const written = await pollUntil(() => access(file).then(() => true, () => false), { timeoutMs, intervalMs: 25 });
  if (!written) throw new Error(`nginx wrote no pid file ${file} within ${timeoutMs} ms`);
}
