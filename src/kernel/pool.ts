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

export function createPool(config: Config): pg.Pool {
  const pool = new pg.Pool({
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
  });
  // An idle connection whose server went away reports here; the pool already discards it.
  pool.on('error', (error) => log.debug('idle postgres connection failed', { error: error.message }));
  return pool;
}
