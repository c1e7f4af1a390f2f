// Reads and validates the environment once, at start. Nothing else in src/ reads process.env.
// The names it reads are API_ENV_NAMES: the tooling (npm start, bench) passes exactly these on.

/** Every environment variable an API instance reads. */
export const API_ENV_NAMES = [
  'DATABASE_URL',
  'HOST',
  'PORT',
  'REUSE_PORT',
  'DB_POOL_SIZE',
  'DB_BATCHES_IN_FLIGHT',
  'DB_CONNECT_TIMEOUT_MS',
  'DB_FAILOVER_WAIT_MS',
  'DB_QUERY_TIMEOUT_MS',
  'BATCH_MAX',
  'QUEUE_MAX',
  'MIGRATE_ON_START',
  'SHUTDOWN_GRACE_MS',
  'LOG_LEVEL',
  'MODULES',
  'METRICS',
  'PIX_STREAM_LEASE_S',
  'PIX_POLL_WAIT_MS',
  'PIX_MAX_STREAMS',
  'PIX_PULL_CALLS_IN_FLIGHT',
  // transfers
  'AUTHORIZER_URL',
  'AUTHORIZER_TIMEOUT_MS',
  'AUTHORIZER_CONNECTIONS',
  'NOTIFY_URL',
  'NOTIFY_TIMEOUT_MS',
  'NOTIFY_MAX_ATTEMPTS',
  'NOTIFY_BACKOFF_BASE_MS',
  'NOTIFY_BACKOFF_MAX_MS',
  'NOTIFY_CONCURRENCY',
  'NOTIFY_POLL_MS',
  'TRANSFER_CALLS_IN_FLIGHT',
  'ADMIN_TOKEN',
  'TOKEN_TTL_S',
  'LOGIN_MAX_FAILURES',
  'LOGIN_WINDOW_S',
  'PASSWORD_SCRYPT_LOG_N',
  // billing
  'BILLING_UPLOAD_MAX_BYTES',
  'BILLING_UPLOADS_MAX',
  'BILLING_EVENTS_MAX',
  'SMTP_URL',
  'BILLING_EMAIL_FROM',
  'BILLING_SMTP_CONNECTIONS',
  'BILLING_EMAIL_TIMEOUT_MS',
  'BILLING_EMAIL_MAX_ATTEMPTS',
  'BILLING_EMAIL_BACKOFF_BASE_MS',
  'BILLING_EMAIL_BACKOFF_MAX_MS',
  'BILLING_POLL_MS',
  'BILLING_JOB_LEASE_MS',
] as const;
export type ApiEnvName = (typeof API_ENV_NAMES)[number];

/** The business modules an instance can run (operations is always on). */
export const MODULE_NAMES = ['ledger', 'transfers', 'pix', 'billing', 'console'] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

export interface Config {
  /** Address the HTTP server binds. */
  readonly host: string;
  /** Port the HTTP server listens on. uWS uses SO_REUSEPORT: two processes may share it. */
  readonly port: number;
  /**
   * Share the port with other processes through SO_REUSEPORT (the kernel balances connections).
   * Off by default: then a port already in use is an error, not a silent split of the traffic.
   */
  readonly reusePort: boolean;
  readonly databaseUrl: string;
  /** Connections this instance keeps to Postgres. */
  readonly dbPoolSize: number;
  /**
   * Credit/debit calls (transact or transact_batch) in flight at once. Batches lock their clients, so in Postgres they run
   * one after another anyway: more in flight only makes each batch smaller and makes it wait on
   * the previous one's locks. One per instance lets the next batch grow while one commits.
   */
  readonly dbBatchesInFlight: number;
  /** How long to wait for a new Postgres connection before answering 503. */
  readonly dbConnectTimeoutMs: number;
  /**
   * How long a database call that certainly did not run (no connection, or the server refused
   * it: shutting down, starting, read-only) is retried before answering 503. 0: at once. Behind
   * a Patroni cluster this carries requests across a planned switchover.
   */
  readonly dbFailoverWaitMs: number;
  /** Server-side statement_timeout; the client gives up shortly after it. */
  readonly dbQueryTimeoutMs: number;
  /** Most transactions sent in one transact_batch call. */
  readonly batchMax: number;
  /** Transactions waiting for a connection beyond which new ones get 503 at once. */
  readonly queueMax: number;
  /** Apply sql/migrations at start (under an advisory lock, so instances may race). */
  readonly migrateOnStart: boolean;
  /**
   * After SIGTERM, how long the instance keeps serving connections it already has (answering
   * with Connection: close) before it exits. Must exceed the load balancer's upstream keepalive
   * timeout, so that no idle pooled connection is reused after we are gone.
   */
  readonly shutdownGraceMs: number;
  readonly logLevel: LogLevel;
  /** The business modules this instance serves, in this order; operations is always on. */
  readonly modules: readonly ModuleName[];
  /** Time every request by route and status class (the /metrics latency histograms). */
  readonly metrics: boolean;
  /**
   * pix: a stream nobody pulls for this long after its last pull ended is closed by the service,
   * and what it received without acknowledging becomes available again.
   */
  readonly pixStreamLeaseS: number;
  /**
   * pix: how long a pull with nothing to deliver waits for a message before answering 204 (part
   * E: 8 s). Below nginx's proxy_read_timeout (30 s), so nginx never cuts a waiting pull.
   */
  readonly pixPollWaitMs: number;
  /** pix: open streams per ISPB (part E: 6); the next start gets 429. */
  readonly pixMaxStreams: number;
  /**
   * pix: pull calls (pix_pull or pix_pull_batch) in flight at once per instance; more pulls wait
   * and go together in the next call (BATCH_MAX most, QUEUE_MAX waiting), sharing its commit.
   */
  readonly pixPullCallsInFlight: number;
  readonly transfers: TransfersConfig;
  readonly billing: BillingConfig;
}

/** The billing module's settings (CSV upload, files, events) and its worker's (boletos, e-mails). */
export interface BillingConfig {
  /** Largest upload accepted (the multipart envelope included); beyond it 413, the rest unread. */
  readonly uploadMaxBytes: number;
  /** Uploads in progress at once per instance (each holds one Postgres connection of its own); the next gets 429. */
  readonly uploadsMax: number;
  /** Open GET /billings/files/events streams per instance; the next gets 429. */
  readonly eventsMax: number;
  /** smtp:// or smtps:// URL the worker sends the debtors' e-mails to; unset: the worker issues no e-mail. */
  readonly smtpUrl: string | undefined;
  readonly emailFrom: string;
  /**
   * SMTP connections per worker, each with at most one message in flight: also the most e-mails a
   * killed worker can repeat. Default 48: the e-mail rate follows the connections (each message
   * waits for two SMTP round trips and its commit), and 48 stays under the 50 connections from one
   * client that a default Postfix accepts (smtpd_client_connection_count_limit).
   */
  readonly smtpConnections: number;
  /** One SMTP attempt's deadline (connect, greeting, data). */
  readonly emailTimeoutMs: number;
  /** Attempts of one e-mail before the debt is email_failed (an SMTP 5xx fails it at once). */
  readonly emailMaxAttempts: number;
  readonly emailBackoffBaseMs: number;
  readonly emailBackoffMaxMs: number;
  /** How often an idle worker looks for due billing jobs. */
  readonly pollMs: number;
  /**
   * A claimed job's lease: a worker that dies holding a job leaves it due again after this; a
   * live one extends it every quarter of it. Above twice BILLING_EMAIL_TIMEOUT_MS.
   */
  readonly jobLeaseMs: number;
}

/** The transfers module's settings (users, tokens, POST /transfer) and its worker's. */
export interface TransfersConfig {
  /** GET here before a transfer takes any lock; unset: POST /transfer answers 503. */
  readonly authorizerUrl: string | undefined;
  /** The whole authorizer exchange (connect, headers, body) must finish within this; else 503. */
  readonly authorizerTimeoutMs: number;
  /** Connections kept to the authorizer (a bounded pool: more requests wait for one). */
  readonly authorizerConnections: number;
  /** The worker POSTs each notification here; unset: the worker refuses to start. */
  readonly notifyUrl: string | undefined;
  readonly notifyTimeoutMs: number;
  /** Attempts of one notification before it is dead (listed, counted, re-queued by an admin). */
  readonly notifyMaxAttempts: number;
  /** Backoff of attempt n: min(max, base * 2^(n-1)) times a random factor in [0.5, 1). */
  readonly notifyBackoffBaseMs: number;
  readonly notifyBackoffMaxMs: number;
  /** Deliveries in flight at once per worker (also its connections to the notifier). */
  readonly notifyConcurrency: number;
  /** How often an idle worker looks for due notifications. */
  readonly notifyPollMs: number;
  /**
   * Transfer calls (transfer or transfer_batch) in flight at once per instance; more transfers
   * wait and go together in the next call (BATCH_MAX most, QUEUE_MAX waiting).
   */
  readonly callsInFlight: number;
  /** Bearer token of the /admin routes; unset: they answer 403. */
  readonly adminToken: string | undefined;
  readonly tokenTtlS: number;
  /** Failed logins of one e-mail within LOGIN_WINDOW_S beyond which it gets 429 until the window ends. */
  readonly loginMaxFailures: number;
  readonly loginWindowS: number;
  /** scrypt cost N = 2^PASSWORD_SCRYPT_LOG_N, with r = 8 and p = 1 (src/transfers/password.ts). */
  readonly passwordScryptLogN: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Partial<Record<ApiEnvName, string>>> | NodeJS.ProcessEnv;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: ApiEnvName): string | undefined => (env as Record<string, string | undefined>)[name];
  const int = (name: ApiEnvName, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  };
  const bool = (name: ApiEnvName, fallback: boolean): boolean => {
    const raw = read(name);
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name} must be true, false, 1 or 0, got "${raw}"`);
    return fallback;
  };

  const httpUrl = (name: ApiEnvName): string | undefined => {
    const raw = read(name);
    if (raw === undefined || raw === '') return undefined;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      problems.push(`${name} must be an http:// or https:// URL, got "${raw}"`);
      return undefined;
    }
    return raw;
  };
  const smtpUrl = (): string | undefined => {
    const raw = read('SMTP_URL');
    if (raw === undefined || raw === '') return undefined;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || url.hostname === '') {
      problems.push(`SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://127.0.0.1:2525, got "${raw}"`);
      return undefined;
    }
    return raw;
  };
  const emailFrom = (): string => {
    const raw = read('BILLING_EMAIL_FROM');
    if (raw === undefined || raw === '') return 'cobranca@crebitos.local';
    if (!/^[^\s@<>]+@[^\s@<>]+$/.test(raw)) problems.push(`BILLING_EMAIL_FROM must be an e-mail address, got "${raw}"`);
    return raw;
  };
  const adminToken = (): string | undefined => {
    const raw = read('ADMIN_TOKEN');
    if (raw === undefined || raw === '') return undefined;
    if (raw.length < 16 || !/^[\x21-\x7e]+$/.test(raw)) problems.push('ADMIN_TOKEN must be at least 16 printable ASCII characters without spaces');
    return raw;
  };

  const databaseUrl = read('DATABASE_URL') ?? '';
  if (databaseUrl === '') {
    problems.push('DATABASE_URL is required, e.g. postgres://user:password@localhost:5432/crebitos');
  } else if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const logLevel = (read('LOG_LEVEL') || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const modules = (read('MODULES') || MODULE_NAMES.join(',')).split(',').map((name) => name.trim()) as ModuleName[];
  const unknownModules = modules.filter((name) => !MODULE_NAMES.includes(name));
  if (unknownModules.length > 0 || modules.length === 0) {
    problems.push(`MODULES must be a comma-separated list of ${MODULE_NAMES.join(', ')}, got "${read('MODULES')}"`);
  } else if (new Set(modules).size !== modules.length) {
    problems.push(`MODULES names a module twice: "${read('MODULES')}"`);
  }

  const dbPoolSize = int('DB_POOL_SIZE', 3, 1, 100);
  const config: Config = {
    host: read('HOST') || '127.0.0.1',
    port: int('PORT', 8080, 1, 65535),
    reusePort: bool('REUSE_PORT', false),
    databaseUrl,
    dbPoolSize,
    dbBatchesInFlight: int('DB_BATCHES_IN_FLIGHT', 1, 1, 100),
    dbConnectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 1000, 50, 60000),
    dbFailoverWaitMs: int('DB_FAILOVER_WAIT_MS', 0, 0, 30000),
    dbQueryTimeoutMs: int('DB_QUERY_TIMEOUT_MS', 5000, 100, 600000),
    batchMax: int('BATCH_MAX', 64, 1, 1000),
    queueMax: int('QUEUE_MAX', 4096, 1, 1000000),
    migrateOnStart: bool('MIGRATE_ON_START', true),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 5000, 0, 600000),
    logLevel,
    modules: Object.freeze(modules),
    metrics: bool('METRICS', true),
    pixStreamLeaseS: int('PIX_STREAM_LEASE_S', 60, 1, 86400),
    pixPollWaitMs: int('PIX_POLL_WAIT_MS', 8000, 100, 25000),
    pixMaxStreams: int('PIX_MAX_STREAMS', 6, 1, 1000),
    pixPullCallsInFlight: int('PIX_PULL_CALLS_IN_FLIGHT', Math.min(2, dbPoolSize), 1, 100),
    transfers: Object.freeze({
      authorizerUrl: httpUrl('AUTHORIZER_URL'),
      authorizerTimeoutMs: int('AUTHORIZER_TIMEOUT_MS', 2000, 10, 60000),
      authorizerConnections: int('AUTHORIZER_CONNECTIONS', 16, 1, 1024),
      notifyUrl: httpUrl('NOTIFY_URL'),
      notifyTimeoutMs: int('NOTIFY_TIMEOUT_MS', 2000, 10, 60000),
      notifyMaxAttempts: int('NOTIFY_MAX_ATTEMPTS', 10, 1, 1000),
      notifyBackoffBaseMs: int('NOTIFY_BACKOFF_BASE_MS', 1000, 1, 3600000),
      notifyBackoffMaxMs: int('NOTIFY_BACKOFF_MAX_MS', 600000, 1, 86400000),
      notifyConcurrency: int('NOTIFY_CONCURRENCY', 64, 1, 1024),
      notifyPollMs: int('NOTIFY_POLL_MS', 200, 10, 60000),
      // Unset: 2, or the whole pool when it is smaller (DB_POOL_SIZE=1 stays a valid setting).
      callsInFlight: int('TRANSFER_CALLS_IN_FLIGHT', Math.min(2, dbPoolSize), 1, 100),
      adminToken: adminToken(),
      tokenTtlS: int('TOKEN_TTL_S', 3600, 1, 31536000),
      loginMaxFailures: int('LOGIN_MAX_FAILURES', 5, 1, 1000),
      loginWindowS: int('LOGIN_WINDOW_S', 60, 1, 86400),
      passwordScryptLogN: int('PASSWORD_SCRYPT_LOG_N', 15, 10, 20),
    }),
    billing: Object.freeze({
      uploadMaxBytes: int('BILLING_UPLOAD_MAX_BYTES', 256 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024),
      uploadsMax: int('BILLING_UPLOADS_MAX', 2, 1, 64),
      eventsMax: int('BILLING_EVENTS_MAX', 64, 1, 10000),
      smtpUrl: smtpUrl(),
      emailFrom: emailFrom(),
      smtpConnections: int('BILLING_SMTP_CONNECTIONS', 48, 1, 256),
      emailTimeoutMs: int('BILLING_EMAIL_TIMEOUT_MS', 10000, 100, 600000),
      emailMaxAttempts: int('BILLING_EMAIL_MAX_ATTEMPTS', 5, 1, 1000),
      emailBackoffBaseMs: int('BILLING_EMAIL_BACKOFF_BASE_MS', 1000, 1, 3600000),
      emailBackoffMaxMs: int('BILLING_EMAIL_BACKOFF_MAX_MS', 600000, 1, 86400000),
      pollMs: int('BILLING_POLL_MS', 200, 10, 60000),
      jobLeaseMs: int('BILLING_JOB_LEASE_MS', 60000, 1000, 3600000),
    }),
  };
  if (config.billing.emailBackoffBaseMs > config.billing.emailBackoffMaxMs) {
    problems.push(`BILLING_EMAIL_BACKOFF_BASE_MS (${config.billing.emailBackoffBaseMs}) cannot exceed BILLING_EMAIL_BACKOFF_MAX_MS (${config.billing.emailBackoffMaxMs})`);
  }
  if (config.transfers.notifyBackoffBaseMs > config.transfers.notifyBackoffMaxMs) {
    problems.push(`NOTIFY_BACKOFF_BASE_MS (${config.transfers.notifyBackoffBaseMs}) cannot exceed NOTIFY_BACKOFF_MAX_MS (${config.transfers.notifyBackoffMaxMs})`);
  }
  if (config.billing.jobLeaseMs <= 2 * config.billing.emailTimeoutMs) {
    problems.push(`BILLING_JOB_LEASE_MS (${config.billing.jobLeaseMs}) must exceed twice BILLING_EMAIL_TIMEOUT_MS (${config.billing.emailTimeoutMs})`);
  }
  // Calls that each hold a pool connection while in flight: more than the pool would only queue.
  const inFlight: [ApiEnvName, number][] = [
    ['DB_BATCHES_IN_FLIGHT', config.dbBatchesInFlight],
    ['TRANSFER_CALLS_IN_FLIGHT', config.transfers.callsInFlight],
    ['PIX_PULL_CALLS_IN_FLIGHT', config.pixPullCallsInFlight],
  ];
  for (const [name, value] of inFlight) {
    if (value > config.dbPoolSize) problems.push(`${name} (${value}) cannot exceed DB_POOL_SIZE (${config.dbPoolSize})`);
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze(config);
}
