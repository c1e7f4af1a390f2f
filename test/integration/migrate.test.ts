// Migrations: applied automatically, once, safely when instances start together; forward only.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, copyFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('migrate', { migrate: false });
});
after(async () => {
  await db?.drop();
});

test('instances migrating at the same moment apply each migration exactly once', async () => {
  const reports = await Promise.all(Array.from({ length: 4 }, () => migrate(db.url)));
  const applied = reports.flatMap((report) => report.applied);
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  assert.deepEqual(applied.sort(), files);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM clientes');
  assert.equal(rows[0].n, 5, 'the seed ran once');
});

test('migrating an up-to-date database changes nothing', async () => {
  const report = await migrate(db.url);
  assert.deepEqual(report.applied, []);
  assert.ok(report.alreadyApplied.length >= 3);
});

test('a migration edited after it was applied stops the start', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'crebitos-migrations-'));
  for (const file of await readdir(MIGRATIONS_DIR)) await copyFile(new URL(file, MIGRATIONS_DIR), path.join(dir, file));
  await writeFile(path.join(dir, '0003_seed_clients.sql'), '-- edited\nSELECT 1;\n');
  await assert.rejects(migrate(db.url, pathToFileURL(dir + '/')), /0003_seed_clients\.sql was edited/);
});

test('tables are logged and the server keeps default durability', async () => {
  const { rows } = await db.pool.query("SELECT relname, relpersistence FROM pg_class WHERE relname IN ('clientes', 'transacoes') ORDER BY relname");
  assert.deepEqual(rows, [{ relname: 'clientes', relpersistence: 'p' }, { relname: 'transacoes', relpersistence: 'p' }]);
  for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
    const { rows: value } = await db.pool.query(`SHOW ${setting}`);
    assert.equal(value[0][setting], 'on', setting);
  }
});
