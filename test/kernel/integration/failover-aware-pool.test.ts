// The pool retries, for DB_FAILOVER_WAIT_MS, a call that certainly did not run, and never one
// whose fate is unknown: what carries requests across a Patroni switchover without applying
// anything twice.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { createPool, failedWithoutRunning } from '../../../src/kernel/pool.js';
import { freePort } from '../../../scripts/lib/ports.js';
import { adminUrl } from '../../helpers/database.js';

const serverError = (code: string) => Object.assign(new Error('x'), { code, severity: 'FATAL' });

test('only errors that prove the statement did not run are retried', () => {
  assert.equal(failedWithoutRunning(serverError('57P01')), true, 'terminated by a shutdown, sent in reply: aborted');
  assert.equal(failedWithoutRunning(serverError('57P03')), true, 'cannot connect now');
  assert.equal(failedWithoutRunning(Object.assign(new Error('x'), { code: '25006', severity: 'ERROR' })), true, 'read-only node: refused');
  assert.equal(failedWithoutRunning(serverError('57P02')), false, 'crash shutdown: may have committed');
  assert.equal(failedWithoutRunning(new Error('Connection terminated unexpectedly')), false, 'cut mid-statement: unknown');
  assert.equal(failedWithoutRunning(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' })), false);
  assert.equal(failedWithoutRunning(Object.assign(new Error('x'), { code: '57P01' })), false, 'no severity: not the server\'s answer');
});

test('with DB_FAILOVER_WAIT_MS a refused connection is retried until the database is there, then the call runs once', async () => {
  const port = await freePort();
  const target = new URL(adminUrl());
  const url = `postgres://${target.username}:${target.password}@127.0.0.1:${port}${target.pathname}`;
  const pool = createPool(loadConfig({ DATABASE_URL: url, DB_FAILOVER_WAIT_MS: '3000', DB_CONNECT_TIMEOUT_MS: '500' }));
  // Nothing listens for 800 ms, then a TCP relay to the real test Postgres appears on the port.
  let relay: net.Server | undefined;
  const opened = new Promise<void>((resolve) =>
    setTimeout(() => {
      relay = net.createServer((socket) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      });
      relay.listen(port, '127.0.0.1', () => resolve());
    }, 800),
  );
  const started = Date.now();
  try {
    const { rows } = await pool.query('SELECT 1 AS one');
    assert.equal(rows[0].one, 1);
    assert.ok(Date.now() - started >= 700, 'it waited for the database rather than failing');
  } finally {
    await opened;
    await pool.end();
    relay?.close();
  }
});

test('without DB_FAILOVER_WAIT_MS (the default) a refused connection fails at once', async () => {
  const port = await freePort();
  const pool = createPool(loadConfig({ DATABASE_URL: `postgres://u:p@127.0.0.1:${port}/db`, DB_CONNECT_TIMEOUT_MS: '500' }));
  const started = Date.now();
  try {
    await assert.rejects(pool.query('SELECT 1'));
    assert.ok(Date.now() - started < 500, `failed within the connect timeout, took ${Date.now() - started} ms`);
  } finally {
    await pool.end();
  }
});

test('with DB_FAILOVER_WAIT_MS a database that stays away is given up on after the wait', async () => {
  const port = await freePort();
  const pool = createPool(loadConfig({ DATABASE_URL: `postgres://u:p@127.0.0.1:${port}/db`, DB_FAILOVER_WAIT_MS: '600', DB_CONNECT_TIMEOUT_MS: '200' }));
  const started = Date.now();
  try {
    await assert.rejects(pool.query('SELECT 1'));
    const took = Date.now() - started;
    assert.ok(took >= 450 && took < 600 + 200 + 500, `gave up after about 600 ms, took ${took} ms`);
  } finally {
    await pool.end();
  }
});
