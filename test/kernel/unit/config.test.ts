// Configuration is read from the environment once, validated with a clear message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.js';

const DATABASE_URL = 'postgres://u:p@localhost:5432/db';

test('defaults apply when only DATABASE_URL is given', () => {
  const config = loadConfig({ DATABASE_URL });
  assert.equal(config.port, 8080);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.reusePort, false);
  assert.equal(config.dbPoolSize, 3);
  assert.equal(config.dbBatchesInFlight, 1);
  assert.equal(config.migrateOnStart, true);
  assert.ok(Object.isFrozen(config));
});

test('values from the environment are parsed', () => {
  const config = loadConfig({ DATABASE_URL, PORT: '9001', HOST: '0.0.0.0', REUSE_PORT: 'true', DB_POOL_SIZE: '8', BATCH_MAX: '10', MIGRATE_ON_START: '0', LOG_LEVEL: 'warn' });
  assert.deepEqual([config.port, config.host, config.reusePort, config.dbPoolSize, config.batchMax, config.migrateOnStart, config.logLevel], [9001, '0.0.0.0', true, 8, 10, false, 'warn']);
});

test('a missing DATABASE_URL is refused with a message naming it', () => {
  assert.throws(() => loadConfig({}), (error: Error) => error instanceof ConfigError && /DATABASE_URL is required/.test(error.message));
});

test('every invalid value is reported at once', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'mysql://x', PORT: '70000', DB_POOL_SIZE: 'four', REUSE_PORT: 'maybe', LOG_LEVEL: 'loud' }),
    (error: Error) => ['DATABASE_URL', 'PORT', 'DB_POOL_SIZE', 'REUSE_PORT', 'LOG_LEVEL'].every((name) => error.message.includes(name)),
  );
});

test('more batches in flight than pool connections is refused', () => {
  assert.throws(() => loadConfig({ DATABASE_URL, DB_POOL_SIZE: '2', DB_BATCHES_IN_FLIGHT: '3' }), /DB_BATCHES_IN_FLIGHT \(3\) cannot exceed DB_POOL_SIZE \(2\)/);
});

test('the transfers settings have documented defaults: no authorizer, notifier or admin token unless set', () => {
  const t = loadConfig({ DATABASE_URL }).transfers;
  assert.deepEqual(
    [t.authorizerUrl, t.notifyUrl, t.adminToken, t.authorizerTimeoutMs, t.authorizerConnections, t.notifyMaxAttempts, t.tokenTtlS, t.loginMaxFailures, t.loginWindowS, t.passwordScryptLogN],
    [undefined, undefined, undefined, 2000, 16, 10, 3600, 5, 60, 15],
  );
  assert.deepEqual(loadConfig({ DATABASE_URL }).modules, ['ledger', 'transfers']);
  assert.ok(Object.isFrozen(t));
});

test('invalid transfers settings are refused with messages naming them', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL, AUTHORIZER_URL: 'ftp://x', NOTIFY_URL: 'not a url', ADMIN_TOKEN: 'short', NOTIFY_MAX_ATTEMPTS: '0', PASSWORD_SCRYPT_LOG_N: '30' }),
    (error: Error) => ['AUTHORIZER_URL must be an http', 'NOTIFY_URL must be an http', 'ADMIN_TOKEN must be at least 16', 'NOTIFY_MAX_ATTEMPTS', 'PASSWORD_SCRYPT_LOG_N'].every((text) => error.message.includes(text)),
  );
  assert.throws(() => loadConfig({ DATABASE_URL, NOTIFY_BACKOFF_BASE_MS: '5000', NOTIFY_BACKOFF_MAX_MS: '1000' }), /NOTIFY_BACKOFF_BASE_MS \(5000\) cannot exceed NOTIFY_BACKOFF_MAX_MS \(1000\)/);
});
