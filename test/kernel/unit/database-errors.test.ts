// The one classification of database failures: what a failover throws at the API is
// "unavailable" (503, retry later), never a fault (500) and never anything a client could cause.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyDatabaseError, errorCodeForDatabaseError, SchemaError } from '../../../src/kernel/database-errors.js';
import { ErrorCode } from '../../../src/kernel/errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('a failing-over database is unavailable: shutdown, crash shutdown, cannot connect now, read-only node', () => {
  for (const [code, what] of [
    ['57P01', 'admin_shutdown (a switchover stopping the old primary)'],
    ['57P02', 'crash_shutdown (another backend crashed)'],
    ['57P03', 'cannot_connect_now (starting up, in recovery, shutting down)'],
    ['25006', 'read_only_sql_transaction (a connection reached a replica)'],
    ['08006', 'connection_failure'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['53300', 'too_many_connections'],
    ['40001', 'serialization_failure'],
  ] as const) {
    assert.equal(classifyDatabaseError(withCode(code)), 'unavailable', `${code} ${what}`);
    assert.equal(errorCodeForDatabaseError(withCode(code)), ErrorCode.DatabaseUnavailable, `${code} answers 503`);
  }
});

test('a connection cut mid-query, refused or reset (no SQLSTATE) is unavailable', () => {
  for (const error of [
    new Error('Connection terminated unexpectedly'),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' }),
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }),
    // five capitals, like a SQLSTATE: a socket error all the same
    Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' }),
    new Error('timeout exceeded when trying to connect'),
    new Error('Query read timeout'),
  ]) {
    assert.equal(classifyDatabaseError(error), 'unavailable', error.message);
  }
});

test('other SQL errors and a schema mismatch are faults (500), not hidden as 503', () => {
  for (const code of ['42883', '42P01', '23505', '22003', '25001', 'P0001']) {
    assert.equal(classifyDatabaseError(withCode(code)), 'fault', code);
  }
  assert.equal(classifyDatabaseError(new SchemaError('migration 0001 was edited')), 'fault');
  assert.equal(errorCodeForDatabaseError(withCode('42883')), ErrorCode.Internal);
});
