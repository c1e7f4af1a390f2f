// The one classification of a failed database call, used by the request path (503 or 500) and
// by the start-up retry (wait, or stop at once):
// - unavailable: the database cannot be reached or cannot serve right now (retry later: 503);
// - fault: anything else, a bug or a schema that does not match this code (500; at start-up,
//   stop at once with the message).
import { ErrorCode } from './errors.js';

/** The database's schema does not match this code (an edited or unknown migration, a failed one). */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

export type DatabaseErrorKind = 'unavailable' | 'fault';

// SQLSTATE classes that mean "not now": connection problems (08), resources (53), operator
// intervention such as shutdown, start-up or a cancelled statement (57), system errors (58),
// lock and serialization failures (40), object in use / lock not available (55).
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58', '40', '55']);
// One code outside those classes: read_only_sql_transaction. During a failover or switchover a
// connection can reach a node that is (or just became) a replica; the write is refused, nothing
// changed, and the primary is elsewhere in a moment: "not now" as well.
const UNAVAILABLE_CODES = new Set(['25006']);

export function classifyDatabaseError(error: unknown): DatabaseErrorKind {
  if (error instanceof SchemaError) return 'fault';
  const sqlState = (error as { code?: unknown } | null)?.code;
  // A socket's error code can look like a SQLSTATE (EPIPE is five capitals): those carry syscall.
  const isSystemError = typeof (error as { syscall?: unknown } | null)?.syscall === 'string';
  if (typeof sqlState === 'string' && !isSystemError && /^[0-9A-Z]{5}$/.test(sqlState)) {
    return UNAVAILABLE_CLASSES.has(sqlState.slice(0, 2)) || UNAVAILABLE_CODES.has(sqlState) ? 'unavailable' : 'fault';
  }
  // No SQLSTATE: the driver or the socket failed (ECONNREFUSED, ECONNRESET, ENOTFOUND, a connect
  // or query timeout, a connection that ended): the database is not reachable right now.
  return 'unavailable';
}

/** The error code a request answers with when its database call failed. */
export function errorCodeForDatabaseError(error: unknown): ErrorCode {
  return classifyDatabaseError(error) === 'unavailable' ? ErrorCode.DatabaseUnavailable : ErrorCode.Internal;
}
