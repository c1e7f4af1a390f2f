// The whole service on one machine without Docker: Postgres (the given DATABASE_URL, or a real
// embedded server), N API instances, and a load balancer on one public port: nginx when it is
// installed, else the instances share the port through the kernel's SO_REUSEPORT balancing.
// Used by `npm start`, the end-to-end tests and the benchmarks alike.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { findNginx, NginxProcess } from './nginx.js';
import { freePort } from './ports.js';
import { PostgresServer } from './postgres.js';

export const API_MAIN = new URL('../../src/main.js', import.meta.url);
export const WORKER_MAIN = new URL('../../src/worker.js', import.meta.url);
export const MOCK_MAIN = new URL('./mock-services.js', import.meta.url);
export const SMTP_SINK_MAIN = new URL('./smtp-sink.js', import.meta.url);

/**
 * The node flags every API instance starts with, here (npm start, the tests, the benchmarks) and
 * in the image: the Dockerfile's CMD carries the same ones (test/unit/compose.test.ts checks).
 * Together they bound what a billing upload leaves uncollected (test/billing/e2e/upload-memory):
 * - --max-semi-space-size=2 (MiB; by default each of the young generation's semi-spaces grows to
 *   16): the parser's garbage (strings and arrays per CSV row, dead within one 16 KiB piece) no
 *   longer sizes the young generation up by tens of MiB. Alone it only moves the growth: the
 *   body's and the COPY's Buffers now outlive a few scavenges, get promoted, and their memory
 *   (outside the heap) waits for a major GC, which the default growing factor (up to 4x the old
 *   generation live after the last one) puts off for seconds.
 * - --heap-growing-percent=30: the next major GC once the old generation grew by 30%. A small
 *   --max-old-space-size (compose's 40) gets V8 to grow as little, but is a hard cap.
 * One instance, the 1.1M-row file through nginx, growth over idle: no flags +47 MiB, the
 * semi-space alone +40 to +43, with --max-old-space-size=40 +14, with this growing factor +13 to +14.
 * The same flags made the ledger's routes 4.4-5.1x faster (bench/RESULTS.md, 2026-12-02 16:27):
 * without them an instance spent ~800 us of CPU per request. --heap-growing-percent is V8's, not
 * documented by Node: check it still exists when Node is upgraded (node --v8-options).
 */
export const DEFAULT_API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=30'];

export type LoadBalancer = 'nginx' | 'reuseport';

export interface StackOptions {
  /** Public port of the load balancer. */
  port: number;
  host?: string;
  /** Use this database; otherwise an embedded Postgres is started under dataDir. */
  databaseUrl?: string;
  /** Holds the embedded cluster (dataDir/postgres) and nginx's files (dataDir/nginx). */
  dataDir: string;
  /** Port of the embedded Postgres; a free one when omitted. */
  postgresPort?: number;
  /** 'auto' (default): nginx when installed, else reuseport. */
  loadBalancer?: LoadBalancer | 'auto';
  instances?: number;
  /** Extra environment for the API instances (e.g. DB_POOL_SIZE, LOG_LEVEL). */
  apiEnv?: Record<string, string>;
  /** Receives every line the API instances print. */
  onLog?: (source: string, line: string) => void;
  /**
   * Wraps each service's command (e.g. to run it in a cgroup). Receives the service name as in
   * docker-compose.yml (db, api01, api02, nginx) and the command; returns the command to run.
   * `user`: who the service must run as (the embedded Postgres, when we are root); a wrapper that
   * switches to that user itself (e.g. after joining a cgroup as root) returns `switchesUser`.
   */
  wrapCommand?: (
    service: string,
    command: string,
    args: string[],
    user?: { uid: number; gid: number },
  ) => { command: string; args: string[]; switchesUser?: boolean };
  /** Extra `-c name=value` settings of the embedded Postgres (e.g. compose's, under --limits). */
  postgresSettings?: Record<string, string | number>;
  /** Worker processes (src/worker.ts) delivering notifications; none by default. */
  workers?: number;
  /**
   * Run the mock authorizer/notifier (scripts/lib/mock-services.ts) and point AUTHORIZER_URL and
   * NOTIFY_URL at it, unless apiEnv sets them.
   */
  mockServices?: boolean;
  /**
   * Run the local SMTP server (scripts/lib/smtp-sink.ts, messages kept under dataDir/mail) and
   * point SMTP_URL at it, unless apiEnv sets SMTP_URL.
   */
  smtpSink?: boolean;
}

export class ApiInstance {
  private child: ChildProcess | undefined;
  private exitedPromise: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly onLog: (source: string, line: string) => void,
    private readonly wrap: StackOptions['wrapCommand'],
    private readonly script: URL = API_MAIN,
    private readonly scriptArgs: string[] = [],
    /** Node's own flags, before the script (e.g. DEFAULT_API_NODE_FLAGS). */
    private readonly nodeFlags: readonly string[] = [],
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the exit code once the process ended. */
  get exited(): Promise<number | null> {
    return this.exitedPromise;
  }

  /** Starts the process and resolves once it listens. */
  async start(timeoutMs = 60_000): Promise<void> {
    let command = process.execPath;
    let args = [...this.nodeFlags, path.resolve(this.script.pathname), ...this.scriptArgs];
    if (this.wrap) ({ command, args } = this.wrap(this.name, command, args));
    const child = spawn(command, args, { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    this.exitedPromise = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    let output = '';
    const onLine = (line: string) => {
      if (output.length < 8192) output += line + '\n';
      this.onLog(this.name, line);
    };
    // The instance reports readiness over IPC, whatever its log level.
    child.on('message', (message: { ready?: boolean }) => {
      if (message?.ready) listening();
    });
    child.channel?.unref();
    forEachLine(child.stdout!, onLine);
    forEachLine(child.stderr!, onLine);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ready,
        this.exitedPromise.then((code) => {
          throw new Error(`${this.name} exited with code ${code} during start:\n${output}`);
        }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${this.name} did not listen within ${timeoutMs} ms:\n${output}`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends the signal and waits for the exit (SIGTERM drains first; SIGKILL is a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child!.kill(signal);
    return this.exitedPromise;
  }
}

export class Stack {
  private constructor(
    readonly url: string,
    readonly databaseUrl: string,
    readonly loadBalancer: LoadBalancer,
    readonly instances: ApiInstance[],
    readonly postgres: PostgresServer | undefined,
    readonly nginx: NginxProcess | undefined,
    /** The worker processes (empty unless asked for). */
    readonly workers: ApiInstance[],
    /** Base URL of the mock authorizer/notifier, when it runs. */
    readonly mockUrl: string | undefined,
    private readonly mock: ApiInstance | undefined,
    /** The environment the instances and workers got (with the mock's URLs). */
    readonly apiEnv: Record<string, string>,
    /** The local SMTP server's folder (index.tsv and the .eml files), when it runs. */
    readonly mailDir: string | undefined,
    /** The local SMTP server's process, when it runs. */
    readonly smtpSink: ApiInstance | undefined,
  ) {}

  /** Starts one more worker process (e.g. to replace one a test killed). */
  async addWorker(): Promise<ApiInstance> {
    const worker = new ApiInstance(`worker0${this.workers.length + 1}`, 0, this.apiEnv, this.onLogOf, undefined, WORKER_MAIN);
    await worker.start();
    this.workers.push(worker);
    return worker;
  }

  private onLogOf: (source: string, line: string) => void = (source, line) => void process.stderr.write(`[${source}] ${line}\n`);

  static async start(options: StackOptions): Promise<Stack> {
    const host = options.host ?? '127.0.0.1';
    const onLog = options.onLog ?? ((source, line) => process.stderr.write(`[${source}] ${line}\n`));
    const started: { stop(): Promise<unknown> }[] = [];
    try {
      let postgres: PostgresServer | undefined;
      let databaseUrl = options.databaseUrl;
      if (databaseUrl === undefined) {
        postgres = new PostgresServer({
          dataDir: path.join(options.dataDir, 'postgres'),
          port: options.postgresPort ?? (await freePort()),
          password: 'crebitos',
          ...(options.postgresSettings ? { settings: options.postgresSettings } : {}),
          ...(options.wrapCommand ? { wrapCommand: (c: string, a: string[], user?: { uid: number; gid: number }) => options.wrapCommand!('db', c, a, user) } : {}),
        });
        await postgres.start();
        started.push(postgres);
        await ensureDatabase(postgres.url(), 'crebitos');
        databaseUrl = postgres.url('crebitos');
      }

      let mock: ApiInstance | undefined;
      let mockUrl: string | undefined;
      if (options.mockServices) {
        const mockPort = await freePort(host);
        mock = new ApiInstance('mock', mockPort, {}, onLog, undefined, MOCK_MAIN, [String(mockPort)]);
        await mock.start();
        started.push(mock);
        mockUrl = `http://${host}:${mockPort}`;
      }
      let smtpSink: ApiInstance | undefined;
      let mailDir: string | undefined;
      let smtpUrl: string | undefined;
      if (options.smtpSink && options.apiEnv?.SMTP_URL === undefined) {
        const smtpPort = await freePort(host);
        mailDir = path.join(options.dataDir, 'mail');
        smtpSink = new ApiInstance('smtp', smtpPort, {}, onLog, undefined, SMTP_SINK_MAIN, [mailDir, String(smtpPort)]);
        await smtpSink.start();
        started.push(smtpSink);
        smtpUrl = `smtp://${host}:${smtpPort}`;
      }
      const apiEnv: Record<string, string> = {
        ...(mockUrl ? { AUTHORIZER_URL: `${mockUrl}/authorize`, NOTIFY_URL: `${mockUrl}/notify` } : {}),
        ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
        ...options.apiEnv,
      };

      const requested = options.loadBalancer ?? 'auto';
      const nginxBinary = requested === 'reuseport' ? undefined : findNginx();
      if (requested === 'nginx' && nginxBinary === undefined) throw new Error('nginx was requested but is not installed');
      const loadBalancer: LoadBalancer = nginxBinary === undefined ? 'reuseport' : 'nginx';

      const count = options.instances ?? 2;
      const instances: ApiInstance[] = [];
      for (let i = 1; i <= count; i++) {
        const port = loadBalancer === 'nginx' ? await freePort(host) : options.port;
        const env: Record<string, string> = {
          HOST: host,
          PORT: String(port),
          REUSE_PORT: loadBalancer === 'reuseport' ? 'true' : 'false',
          DATABASE_URL: databaseUrl,
          ...apiEnv,
        };
        instances.push(new ApiInstance(`api0${i}`, port, env, onLog, options.wrapCommand, API_MAIN, [], DEFAULT_API_NODE_FLAGS));
      }
      // Sequential start: the first one applies the migrations (the others would wait on the lock).
      for (const instance of instances) {
        await instance.start();
        started.push(instance);
      }

      let nginx: NginxProcess | undefined;
      if (nginxBinary !== undefined) {
        nginx = new NginxProcess(nginxBinary, {
          listenPort: options.port,
          upstreamPorts: instances.map((instance) => instance.port),
          workDir: path.join(options.dataDir, 'nginx'),
          host,
          ...(options.wrapCommand ? { wrapCommand: (c: string, a: string[]) => options.wrapCommand!('nginx', c, a) } : {}),
        });
        await nginx.start();
        started.push(nginx);
      }
      const workerEnv = { DATABASE_URL: databaseUrl, ...apiEnv };
      const workers: ApiInstance[] = [];
      for (let i = 1; i <= (options.workers ?? 0); i++) {
        const worker = new ApiInstance(`worker0${i}`, 0, workerEnv, onLog, undefined, WORKER_MAIN);
        await worker.start();
        started.push(worker);
        workers.push(worker);
      }
      const stack = new Stack(`http://${host}:${options.port}`, databaseUrl, loadBalancer, instances, postgres, nginx, workers, mockUrl, mock, workerEnv, mailDir, smtpSink);
      stack.onLogOf = onLog;
      return stack;
    } catch (error) {
      for (const service of started.reverse()) await service.stop().catch(() => {});
      throw error;
    }
  }

  /** Stops the load balancer, then the instances (draining) and workers, the mock and SMTP server, then the embedded Postgres. */
  async stop(): Promise<void> {
    await this.nginx?.stop();
    await Promise.all([...this.instances, ...this.workers].map((instance) => instance.stop('SIGTERM')));
    await this.mock?.stop();
    await this.smtpSink?.stop();
    await this.postgres?.stop();
  }
}

/** Creates database `name` on the server at adminUrl unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line !== '') onLine(line);
  });
  stream.on('end', () => {
    if (rest !== '') onLine(rest);
  });
}
