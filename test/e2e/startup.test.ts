// Start-up refuses what it cannot honour, with a clear message and a non-zero exit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { API_MAIN } from '../../scripts/lib/stack.js';
import { createTestDatabase } from '../helpers/database.js';

const main = path.resolve(new URL(API_MAIN).pathname);

function runApi(env: Record<string, string>) {
  return spawnSync(process.execPath, [main], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', timeout: 30_000 });
}

test('bad configuration exits with code 2 and names every problem', () => {
  const result = runApi({ PORT: 'eighty', DB_POOL_SIZE: '0' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /DATABASE_URL is required/);
  assert.match(result.stderr, /PORT must be an integer/);
  assert.match(result.stderr, /DB_POOL_SIZE must be an integer/);
});

test('a port already in use is an error, not a silent share of the traffic', async () => {
  const db = await createTestDatabase('startup');
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const result = runApi({ DATABASE_URL: db.url, PORT: String(port), LOG_LEVEL: 'warn' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /cannot listen on 127\.0\.0\.1:\d+/);
  } finally {
    blocker.close();
    await db.drop();
  }
});

test('the server runs on the native uWebSockets.js binding, never on the pure-Node fallback', async () => {
  const { uws } = await import('../../src/kernel/uws.js');
  // The fallback is a JavaScript module; the binding is a compiled addon with no JS source.
  assert.match(String(uws.App), /\[native code\]/);
});

test('a migration edited after it was applied stops the instance at once, naming the file', async () => {
  const db = await createTestDatabase('startup_edited');
  try {
    await db.pool.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = '0001_ledger.sql'");
    const startedAt = Date.now();
    const result = runApi({ DATABASE_URL: db.url, PORT: '65000', LOG_LEVEL: 'warn' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /migration 0001_ledger\.sql was edited after it was applied/);
    assert.doesNotMatch(result.stderr, /waiting for the database/, 'a schema mismatch is not retried as an outage');
    assert.ok(Date.now() - startedAt < 10_000, 'it stops at once, not after the 30 s start-up wait');
  } finally {
    await db.drop();
  }
});

test('MODULES names the modules an instance serves; an unknown one is refused at start', () => {
  const result = runApi({ DATABASE_URL: 'postgres://x@127.0.0.1:1/x', MODULES: 'ledger,casino' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /MODULES must be a comma-separated list of ledger, transfers, pix, billing, console, got "ledger,casino"/);
});
