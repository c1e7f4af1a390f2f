// Migrations and functions: applied automatically, once, safely when instances start together;
// migrations forward only, each function re-applied when its file's text changes.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { FUNCTIONS_DIR, MIGRATIONS_DIR, migrate, readExpectedSchema, schemaDifferences } from '../../../src/kernel/migrations.js';
import { SchemaError } from '../../../src/kernel/database-errors.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('migrate', { migrate: false });
});
after(async () => {
  await db?.drop();
});

/** A copy of sql/ to edit: { migrations, functions } URLs and a cleanup. */
async function copyOfSql(): Promise<{ migrations: URL; functions: URL; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crebitos-sql-'));
  await cp(fileURLToPath(MIGRATIONS_DIR), path.join(dir, 'migrations'), { recursive: true });
  await cp(fileURLToPath(FUNCTIONS_DIR), path.join(dir, 'functions'), { recursive: true });
  return { migrations: pathToFileURL(path.join(dir, 'migrations') + '/'), functions: pathToFileURL(path.join(dir, 'functions') + '/'), dir };
}

test('instances migrating at the same moment apply each migration and function exactly once', async () => {
  const schema = await readExpectedSchema();
  const reports = await Promise.all(Array.from({ length: 4 }, () => migrate(db.url, schema)));
  assert.deepEqual(reports.flatMap((report) => report.applied).sort(), schema.migrations.map((m) => m.name));
  assert.deepEqual(reports.flatMap((report) => report.functionsApplied).sort(), schema.functions.map((f) => f.name).sort());
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM clientes');
  assert.equal(rows[0].n, 5, 'the seed ran once');
  assert.deepEqual(await schemaDifferences(db.pool, schema), []);
});

test('migrating an up-to-date database changes nothing', async () => {
  const report = await migrate(db.url);
  assert.deepEqual(report.applied, []);
  assert.deepEqual(report.functionsApplied, []);
  assert.ok(report.alreadyApplied.length >= 1);
});

test('each SQL function has one file, and the live definition is that file', async () => {
  const schema = await readExpectedSchema();
  const names = schema.functions.map((f) => f.name);
  assert.deepEqual(names.filter((name) => name.startsWith('ledger/')).sort(), ['ledger/account_statement.sql', 'ledger/max_balance.sql', 'ledger/transact.sql', 'ledger/transact_batch.sql']);
  assert.ok(names.includes('transfers/transfer.sql'));
  assert.ok(names.includes('pix/pix_pull.sql'));
  for (const file of schema.functions) {
    const name = path.basename(file.name, '.sql');
    assert.match(file.sql, new RegExp(`CREATE OR REPLACE FUNCTION ${name}\\(`), `${file.name} defines ${name}()`);
    for (const migration of schema.migrations) assert.doesNotMatch(migration.sql, new RegExp(`FUNCTION ${name}\\b`), `${migration.name} must not define ${name}()`);
  }
});

test('a function whose file changed is re-applied at the next start, and only that one', async () => {
  const sql = await copyOfSql();
  try {
    const file = path.join(fileURLToPath(sql.functions), 'ledger', 'max_balance.sql');
    await writeFile(file, (await readFile(file, 'utf8')) + '-- a new comment changes the text\n');
    const edited = await readExpectedSchema(sql.migrations, sql.functions);
    assert.deepEqual(await schemaDifferences(db.pool, edited), ['function ledger/max_balance.sql differs'], '/ready sees the difference');
    const report = await migrate(db.url, edited);
    assert.deepEqual(report.functionsApplied, ['ledger/max_balance.sql']);
    assert.deepEqual(await schemaDifferences(db.pool, edited), []);
  } finally {
    await migrate(db.url); // back to the repository's text
    await rm(sql.dir, { recursive: true, force: true });
  }
});

test('the bound of max_balance() is the bound of the clientes_saldo_safe_integer constraint', async () => {
  const { rows } = await db.pool.query<{ bound: string; def: string }>(
    `SELECT max_balance()::text AS bound, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'clientes_saldo_safe_integer'`,
  );
  assert.equal(rows[0]!.def, `CHECK ((saldo <= '${rows[0]!.bound}'::bigint))`);
});

test('a migration edited after it was applied stops the start with a SchemaError naming it', async () => {
  const sql = await copyOfSql();
  try {
    const file = path.join(fileURLToPath(sql.migrations), '0001_ledger.sql');
    await writeFile(file, '-- edited\n' + (await readFile(file, 'utf8')));
    const edited = await readExpectedSchema(sql.migrations, sql.functions);
    await assert.rejects(migrate(db.url, edited), (error: Error) => error instanceof SchemaError && /0001_ledger\.sql was edited/.test(error.message));
  } finally {
    await rm(sql.dir, { recursive: true, force: true });
  }
});

test('tables are logged and the server keeps default durability', async () => {
  const { rows } = await db.pool.query("SELECT relname, relpersistence FROM pg_class WHERE relname IN ('clientes', 'transacoes') ORDER BY relname");
  assert.deepEqual(rows, [{ relname: 'clientes', relpersistence: 'p' }, { relname: 'transacoes', relpersistence: 'p' }]);
  for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
    const { rows: value } = await db.pool.query(`SHOW ${setting}`);
    assert.equal(value[0][setting], 'on', setting);
  }
});
