// The Postgres pool of one instance: small, with timeouts on every wait, and error handlers so
// that a Postgres restart never crashes the process.
import pg from 'pg';
import type { Config } from '../config.js';
import { log } from './log.js';

const INT8_OID = 20;
// Balances are bigint; the schema bounds them to +-(2^53 - 1), so a JS number holds them exactly.
const parseInt8 = (text: string): number => Number(text);
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Pause between two attempts of a call that did not run, while DB_FAILOVER_WAIT_MS lasts. */
const FAILOVER_RETRY_PAUSE_MS = 100;

/** Errors of connecting (the pool's connect): the statement was never sent. */
const unsentErrors = new WeakSet<object>();

// SQLSTATEs a server sends in reply to a statement it did not run: terminated by a shutdown
// (a switchover stops the old primary: its backends abort and say so before they exit), cannot
// connect now (starting up, in recovery, shutting down), read-only (a node that is a replica).
// A backend that had already committed locally and was waiting for its synchronous standby is
// different: it sends only a WARNING before it exits, so that call fails without a SQLSTATE
// and is never retried.
const NOT_RUN_CODES = new Set(['57P01', '57P03', '25006']);

/** True when the call failed without running: retrying it cannot apply anything twice. */
export function failedWithoutRunning(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (unsentErrors.has(error)) return true;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  // severity: an ErrorResponse from the server (a socket error never has one).
  return typeof severity === 'string' && typeof code === 'string' && NOT_RUN_CODES.has(code);
}

type Callback = (error: Error | undefined, result?: unknown) => void;

/**
 * pg.Pool whose query() retries, for up to failoverWaitMs, a call that failed without running
 * (see failedWithoutRunning): while Patroni hands the primary over, requests wait and then
 * succeed instead of failing. A call whose fate is unknown (cut mid-statement) is never retried.
 * Only made when DB_FAILOVER_WAIT_MS is set: with 0, createPool makes a plain pg.Pool, so the
 * ledger's hot path pays for no wrapper (no rest-argument array, no extra closure per query).
 */
class FailoverAwarePool extends pg.Pool {
  constructor(
    options: pg.PoolConfig,
    private readonly failoverWaitMs: number,
  ) {
    super(options);
  }

  /** This pool, but its query() answers at once (readiness must say what is true now). */
  readonly withoutWait: pg.Pool = new Proxy(this, {
    get: (target, property) => (property === 'query' ? (...args: unknown[]) => (pg.Pool.prototype.query as (...a: unknown[]) => unknown).apply(target, args) : Reflect.get(target, property, target)),
  });

  override connect(...args: any[]): any {
    const callback = args[0] as ((error: Error | undefined, client?: unknown, done?: unknown) => void) | undefined;
    if (typeof callback === 'function') {
      return super.connect((error, client, done) => {
        if (error) unsentErrors.add(error);
        callback(error, client, done);
      });
    }
    return super.connect().catch((error: Error) => {
      unsentErrors.add(error);
      throw error;
    });
  }

  override query(...args: any[]): any {
    const [text, second, third] = args;
    if (this.failoverWaitMs === 0 || typeof text === 'function') return (super.query as (...a: unknown[]) => unknown)(...args);
    const values = typeof second === 'function' ? undefined : second;
    const callback = (typeof second === 'function' ? second : third) as Callback | undefined;
    const deadline = Date.now() + this.failoverWaitMs;
    const attempt = (done: Callback): void => {
      (super.query as (...a: unknown[]) => unknown)(text, values, (error: Error | undefined, result: unknown) => {
        if (error && failedWithoutRunning(error) && Date.now() + FAILOVER_RETRY_PAUSE_MS < deadline) {
          setTimeout(attempt, FAILOVER_RETRY_PAUSE_MS, done);
          return;
        }
        done(error, result);
      });
    };
    if (callback) return void attempt(callback);
    return new Promise((resolve, reject) => attempt((error, result) => (error ? reject(error) : resolve(result))));
  }
}

/** The pool without DB_FAILOVER_WAIT_MS's retries, e.g. for /ready: not ready is said at once. */
export function withoutFailoverWait(pool: pg.Pool): pg.Pool {
  return pool instanceof FailoverAwarePool ? pool.withoutWait : pool;
}

export function createPool(config: Config): pg.Pool {
  const options: pg.PoolConfig = {
    connectionString: config.databaseUrl,
    max: config.dbPoolSize,
    connectionTimeoutMillis: config.dbConnectTimeoutMs,
    // Keep warm connections: each one carries its prepared statements.
    idleTimeoutMillis: 0,
    keepAlive: true,
    // The server cancels a statement that runs too long; the client gives up a little later in
    // case the server itself is stuck, and then discards that connection.
    statement_timeout: config.dbQueryTimeoutMs,
    query_timeout: config.dbQueryTimeoutMs + 1000,
    application_name: 'crebitos',
    types,
  };
  const pool = config.dbFailoverWaitMs === 0 ? new pg.Pool(options) : new FailoverAwarePool(options, config.dbFailoverWaitMs);
  // An idle connection whose server went away reports here; the pool already discards it.
  pool.on('error', (error) => log.debug('idle postgres connection failed', { error: error.message }));
  return pool;
}
