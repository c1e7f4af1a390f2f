// A database made by the migration history before the baseline (an older `.data/`) upgrades in
// place: its history is recognised as 0001_ledger.sql, the functions are replaced by their
// files, its data is kept, and its schema is the one a fresh database gets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { migrate, readExpectedSchema } from '../../../src/kernel/migrations.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { assertLedgerConsistent } from '../../helpers/ledger-invariant.js';

const LEGACY_MIGRATIONS = new URL('../../../../test/ledger/integration/fixtures/migrations-0001-0006/', import.meta.url);

let legacy: TestDatabase;
let fresh: TestDatabase;
before(async () => {
  legacy = await createTestDatabase('legacy', { migrate: false });
  fresh = await createTestDatabase('fresh');
  // The old history, applied as the old code did (it had no schema_functions table).
  await migrate(legacy.url, await readExpectedSchema(LEGACY_MIGRATIONS, null));
  await legacy.pool.query('DROP TABLE schema_functions');
  await legacy.pool.query(`SELECT transact(1, 500, 'd', 'antes'), transact(2, 700, 'c', 'antes')`);
});
after(async () => {
  await legacy?.drop();
  await fresh?.drop();
});

/** Tables, columns, constraints, indexes and types of the public schema, as comparable text. */
async function catalog(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ line: string }>(`
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') || ' #' || ordinal_position AS line
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('clientes', 'transacoes')
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0 AND conrelid::regclass::text IN ('clientes', 'transacoes')
    UNION ALL
    SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('clientes', 'transacoes')
    UNION ALL
    SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid))
      FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
    ORDER BY 1`);
  return rows.map((row) => row.line);
}

test('an old database upgrades in place: history recognised, functions replaced, data kept, schema as a fresh one', async () => {
  const schema = await readExpectedSchema();
  const report = await migrate(legacy.url, schema);
  assert.equal(report.baselineAdopted, true);
  assert.deepEqual(report.applied, schema.migrations.slice(1).map((m) => m.name), 'no migration the baseline replaced runs again on the old data; the later ones run');
  assert.equal(report.functionsApplied.length, schema.functions.length, 'every function is applied from its file');
  const { rows } = await legacy.pool.query('SELECT version FROM schema_migrations ORDER BY version');
  assert.deepEqual(rows.map((r) => r.version), schema.migrations.map((m) => m.name));

  assert.deepEqual(await catalog(legacy.pool), await catalog(fresh.pool));

  const ledger = await assertLedgerConsistent(legacy.pool);
  assert.equal(ledger.find((c) => c.id === 1)!.saldo, -500);
  assert.equal(ledger.find((c) => c.id === 2)!.saldo, 700);
  // The upgraded functions keep numbering each client's transactions where the old ones stopped.
  const { rows: applied } = await legacy.pool.query(`SELECT * FROM transact(1, 100, 'c', 'depois')`);
  assert.deepEqual(applied[0], { status: 'ok', saldo: '-400', limite: 100000 });
  const { rows: statement } = await legacy.pool.query(`SELECT descricao FROM account_statement(1)`);
  assert.deepEqual(statement.map((r) => r.descricao), ['depois', 'antes']);
});

test('upgrading again changes nothing', async () => {
  const report = await migrate(legacy.url);
  assert.equal(report.baselineAdopted, false);
  assert.deepEqual(report.applied, []);
  assert.deepEqual(report.functionsApplied, []);
});
