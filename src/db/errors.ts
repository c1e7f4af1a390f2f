// Decides what a failed database call means for the client: the database being unreachable or
// busy is a 503 (retry later); anything else is a bug on our side (500), never the client's.
import { ErrorCode } from '../errors.js';

// SQLSTATE classes and codes that mean "not now": connection problems, shutdown or startup,
// resource exhaustion, cancelled statements (statement_timeout), lock and serialization failures.
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58', '40', '55']);

export function errorCodeForDatabaseError(error: unknown): ErrorCode {
  const sqlState = (error as { code?: unknown } | null)?.code;
  if (typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState)) {
    return UNAVAILABLE_CLASSES.has(sqlState.slice(0, 2)) ? ErrorCode.DatabaseUnavailable : ErrorCode.Internal;
  }
  // No SQLSTATE: a socket error (ECONNREFUSED, ECONNRESET, ...), a connect or query timeout, or
  // a connection that ended: the database is not reachable right now.
  return ErrorCode.DatabaseUnavailable;
}
