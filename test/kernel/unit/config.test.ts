// Configuration is read from the environment once, validated with a clear message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API_ENV_NAMES, ConfigError, loadConfig, MODULE_NAMES } from '../../../src/config.js';

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

test('transfer calls in flight default to 2 or the whole pool when smaller; more than the pool when set is refused', () => {
  assert.equal(loadConfig({ DATABASE_URL }).transfers.callsInFlight, 2);
  assert.equal(loadConfig({ DATABASE_URL, DB_POOL_SIZE: '1' }).transfers.callsInFlight, 1);
  assert.equal(loadConfig({ DATABASE_URL, DB_POOL_SIZE: '10', TRANSFER_CALLS_IN_FLIGHT: '4' }).transfers.callsInFlight, 4);
  assert.throws(() => loadConfig({ DATABASE_URL, DB_POOL_SIZE: '2', TRANSFER_CALLS_IN_FLIGHT: '3' }), /TRANSFER_CALLS_IN_FLIGHT \(3\) cannot exceed DB_POOL_SIZE \(2\)/);
});

test('pix pull calls in flight default to 2 or the whole pool when smaller; more than the pool when set is refused', () => {
  assert.equal(loadConfig({ DATABASE_URL }).pixPullCallsInFlight, 2);
  assert.equal(loadConfig({ DATABASE_URL, DB_POOL_SIZE: '1' }).pixPullCallsInFlight, 1);
  assert.equal(loadConfig({ DATABASE_URL, DB_POOL_SIZE: '10', PIX_PULL_CALLS_IN_FLIGHT: '4' }).pixPullCallsInFlight, 4);
  assert.throws(() => loadConfig({ DATABASE_URL, DB_POOL_SIZE: '2', PIX_PULL_CALLS_IN_FLIGHT: '3' }), /PIX_PULL_CALLS_IN_FLIGHT \(3\) cannot exceed DB_POOL_SIZE \(2\)/);
});

test('every module runs by default; MODULES narrows the list, and METRICS turns request timing off', () => {
  assert.deepEqual(loadConfig({ DATABASE_URL }).modules, MODULE_NAMES);
  assert.deepEqual(loadConfig({ DATABASE_URL, MODULES: ' ledger ' }).modules, ['ledger']);
  assert.equal(loadConfig({ DATABASE_URL }).metrics, true);
  assert.equal(loadConfig({ DATABASE_URL, METRICS: 'false' }).metrics, false);
  assert.throws(() => loadConfig({ DATABASE_URL, MODULES: 'ledger,ledger' }), /MODULES names a module twice/);
  assert.throws(() => loadConfig({ DATABASE_URL, MODULES: 'nope' }), /MODULES must be a comma-separated list of/);
});

test('API_ENV_NAMES lists exactly the variables loadConfig reads', () => {
  const read = new Set<string>();
  const spy = new Proxy({ DATABASE_URL } as Record<string, string>, {
    get(target, name: string) {
      read.add(name);
      return target[name];
    },
  });
  loadConfig(spy);
  assert.deepEqual([...read].sort(), [...API_ENV_NAMES].sort());
});

test('the pix settings default to part E (60 s lease, 8 s wait, 6 streams) and are bounded', () => {
  const config = loadConfig({ DATABASE_URL });
  assert.deepEqual([config.pixStreamLeaseS, config.pixPollWaitMs, config.pixMaxStreams], [60, 8000, 6]);
  const set = loadConfig({ DATABASE_URL, PIX_STREAM_LEASE_S: '2', PIX_POLL_WAIT_MS: '1000', PIX_MAX_STREAMS: '3' });
  assert.deepEqual([set.pixStreamLeaseS, set.pixPollWaitMs, set.pixMaxStreams], [2, 1000, 3]);
  // A wait nginx (proxy_read_timeout 30s) would cut is refused.
  assert.throws(() => loadConfig({ DATABASE_URL, PIX_POLL_WAIT_MS: '30000' }), /PIX_POLL_WAIT_MS must be an integer from 100 to 25000/);
  assert.throws(() => loadConfig({ DATABASE_URL, PIX_STREAM_LEASE_S: '0', PIX_MAX_STREAMS: 'six' }), (error: Error) => /PIX_STREAM_LEASE_S/.test(error.message) && /PIX_MAX_STREAMS/.test(error.message));
});

test('the transfers settings have documented defaults: no authorizer, notifier or admin token unless set', () => {
  const t = loadConfig({ DATABASE_URL }).transfers;
  assert.deepEqual(
    [t.authorizerUrl, t.notifyUrl, t.adminToken, t.authorizerTimeoutMs, t.authorizerConnections, t.notifyMaxAttempts, t.tokenTtlS, t.loginMaxFailures, t.loginWindowS, t.passwordScryptLogN],
    [undefined, undefined, undefined, 2000, 16, 10, 3600, 5, 60, 15],
  );
  assert.deepEqual(loadConfig({ DATABASE_URL }).modules, ['ledger', 'transfers', 'pix', 'billing', 'console']);
  assert.ok(Object.isFrozen(t));
});

test('invalid transfers settings are refused with messages naming them', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL, AUTHORIZER_URL: 'ftp://x', NOTIFY_URL: 'not a url', ADMIN_TOKEN: 'short', NOTIFY_MAX_ATTEMPTS: '0', PASSWORD_SCRYPT_LOG_N: '30' }),
    (error: Error) => ['AUTHORIZER_URL must be an http', 'NOTIFY_URL must be an http', 'ADMIN_TOKEN must be at least 16', 'NOTIFY_MAX_ATTEMPTS', 'PASSWORD_SCRYPT_LOG_N'].every((text) => error.message.includes(text)),
  );
  assert.throws(() => loadConfig({ DATABASE_URL, NOTIFY_BACKOFF_BASE_MS: '5000', NOTIFY_BACKOFF_MAX_MS: '1000' }), /NOTIFY_BACKOFF_BASE_MS \(5000\) cannot exceed NOTIFY_BACKOFF_MAX_MS \(1000\)/);
});
