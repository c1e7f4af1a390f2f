// A fresh, migrated database per test file, on the Postgres that `npm test` started.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../scripts/lib/ports.js';
import { PostgresServer } from '../../scripts/lib/postgres.js';
import { ensureDatabase } from '../../scripts/lib/stack.js';
import { migrate } from '../../src/kernel/migrations.js';

export interface TestDatabase {
  readonly url: string;
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  const url = process.env.CREBITOS_TEST_PG_URL;
  if (!url) throw new Error('CREBITOS_TEST_PG_URL is not set: run the tests with `npm test`, which starts their Postgres');
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(label: string, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  await admin.end();
  const url = databaseUrl(name);
  if (options.migrate !== false) await migrate(url);
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  pool.on('error', () => {});
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * Locks one client's row in an open transaction, so that every credit or debit of that client
 * waits until `release()` (idempotent) rolls it back. Statements are not blocked (MVCC reads).
 */
export async function holdClientRowLock(pool: pg.Pool, clientId: number): Promise<{ release(): Promise<void> }> {
  const lock = await pool.connect();
  await lock.query('BEGIN');
  await lock.query('SELECT 1 FROM clientes WHERE id = $1 FOR UPDATE', [clientId]);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await lock.query('ROLLBACK');
      lock.release();
    },
  };
}

/**
 * A Postgres server of the test's own (one it may kill and restart), in a temporary folder, with
 * a `crebitos` database; `remove()` stops it and deletes the folder.
 */
export async function startOwnedPostgres(label: string): Promise<{ postgres: PostgresServer; url: string; remove(): Promise<void> }> {
  const workDir = await mkdtemp(path.join(tmpdir(), `crebitos-${label}-`));
  const postgres = new PostgresServer({ dataDir: path.join(workDir, 'postgres'), port: await freePort(), password: 'crebitos' });
  await postgres.start();
  await ensureDatabase(postgres.url(), 'crebitos');
  return {
    postgres,
    url: postgres.url('crebitos'),
    async remove() {
      await postgres.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
