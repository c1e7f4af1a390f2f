// Brings the database to the schema this code expects, under an advisory lock (instances may
// start at once), in one transaction per step:
// - sql/migrations/*.sql: tables and data, forward only, each applied once, in name order. A
//   migration edited after it was applied stops the start (SchemaError): add a new one instead.
// - sql/functions/<module>/*.sql: one function per file, (re)applied whenever its text changes,
//   so the live definition of a function is always its one file. Applied after the migrations,
//   in path order; a file must be re-runnable (CREATE OR REPLACE). A change of signature needs a
//   migration that drops the old function first.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';
import { classifyDatabaseError, SchemaError } from './database-errors.js';

export const MIGRATIONS_DIR = new URL('../../../sql/migrations/', import.meta.url);
export const FUNCTIONS_DIR = new URL('../../../sql/functions/', import.meta.url);
const LOCK_KEY = 'crebitos.migrations';

/**
 * The history that 0001_ledger.sql replaced: a database that applied exactly these (an older
 * `.data/`) has the baseline's schema already, so it is recorded as applied instead.
 */
export const LEGACY_BASELINE = {
  version: '0001_ledger.sql',
  replaces: {
    '0001_schema.sql': 'fbdaea2235a90a0b009704b1e080f988c4f4687e14ce2f041962557904fe90e1',
    '0002_ledger_functions.sql': '2413502630ce9a8a144e4c1d1be005dfff072d0d0efb8daf327997dc4cdba586',
    '0003_seed_clients.sql': 'a0a277e496e58e1f8c98ccdabb29fdaa5c774f5c6abb92cfcf6c4c955fe70ea9',
    '0004_set_based_transact_batch.sql': '513d954eef133d4fca63bf82dc9faf3fce9175ecd8849a586028e55e3d874cc3',
    '0005_statement_reads_ten_rows_by_construction.sql': 'cb3d79ff9325ac93489e6fc9cbf4e6a7238219be37bd4f1d6e1ba7b476bd9787',
    '0006_single_statement_transact.sql': '746ebd8bf9c6eb09730e7bc94edb8d971b66213a016aebc77a440d258ae32049',
  } as Readonly<Record<string, string>>,
};

export interface SqlFile {
  /** `0001_ledger.sql` for a migration, `ledger/transact.sql` for a function. */
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** What this code expects the database to hold, read once from the files. */
export interface ExpectedSchema {
  readonly migrations: readonly SqlFile[];
  readonly functions: readonly SqlFile[];
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
  /** Function files (re)applied because they are new or their text changed. */
  functionsApplied: string[];
  /** Set when an older history was recognised as the baseline. */
  baselineAdopted: boolean;
}

/** `functionsDir` null: no function files (an explicit undefined would take the default). */
export async function readExpectedSchema(migrationsDir: URL = MIGRATIONS_DIR, functionsDir: URL | null = FUNCTIONS_DIR): Promise<ExpectedSchema> {
  const migrations = await readSqlFiles(migrationsDir, '');
  const functions: SqlFile[] = [];
  if (functionsDir !== null) {
    for (const entry of (await readdir(functionsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).sort(byName)) {
      functions.push(...(await readSqlFiles(new URL(`${entry.name}/`, functionsDir), `${entry.name}/`)));
    }
  }
  return { migrations, functions };
}

export async function migrate(databaseUrl: string, expected?: ExpectedSchema): Promise<MigrationReport> {
  const schema = expected ?? (await readExpectedSchema());
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'crebitos-migrate' });
  client.on('error', () => {}); // reported through the failing query instead
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_functions (
      file       text PRIMARY KEY,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const report: MigrationReport = { applied: [], alreadyApplied: [], functionsApplied: [], baselineAdopted: false };
    let done = await appliedMigrations(client);
    if (schema.migrations[0]?.name === LEGACY_BASELINE.version && isLegacyHistory(done)) {
      await inTransaction(client, 'adopting the baseline', async () => {
        await client.query('DELETE FROM schema_migrations WHERE version = ANY ($1)', [Object.keys(LEGACY_BASELINE.replaces)]);
        await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [LEGACY_BASELINE.version, schema.migrations[0].checksum]);
      });
      report.baselineAdopted = true;
      done = await appliedMigrations(client);
    }
    const known = new Set(schema.migrations.map((m) => m.name));
    const unknown = [...done.keys()].filter((version) => !known.has(version));
    if (unknown.length > 0) {
      throw new SchemaError(`the database has migrations this code does not know (${unknown.join(', ')}): it was migrated by a newer version`);
    }
    for (const migration of schema.migrations) {
      const appliedChecksum = done.get(migration.name);
      if (appliedChecksum !== undefined) {
        if (appliedChecksum !== migration.checksum) {
          throw new SchemaError(`migration ${migration.name} was edited after it was applied; add a new migration instead`);
        }
        report.alreadyApplied.push(migration.name);
        continue;
      }
      await inTransaction(client, `migration ${migration.name}`, async () => {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [migration.name, migration.checksum]);
      });
      report.applied.push(migration.name);
    }
    const functionChecksums = new Map((await client.query<{ file: string; checksum: string }>('SELECT file, checksum FROM schema_functions')).rows.map((r) => [r.file, r.checksum]));
    for (const fn of schema.functions) {
      if (functionChecksums.get(fn.name) === fn.checksum) continue;
      await inTransaction(client, `function ${fn.name}`, async () => {
        await client.query(fn.sql);
        await client.query(
          `INSERT INTO schema_functions (file, checksum) VALUES ($1, $2)
           ON CONFLICT (file) DO UPDATE SET checksum = excluded.checksum, applied_at = now()`,
          [fn.name, fn.checksum],
        );
      });
      report.functionsApplied.push(fn.name);
    }
    return report;
  } finally {
    await client.end().catch(() => {}); // ending the session releases the advisory lock
  }
}

/**
 * What is missing or different between the database and the files, for /ready: an empty list
 * when every migration and function this code expects is applied, with the same text.
 */
export async function schemaDifferences(pool: pg.Pool, schema: ExpectedSchema): Promise<string[]> {
  const { rows } = await pool.query<{ kind: string; name: string; checksum: string }>({
    name: 'schema_state',
    text: `SELECT 'migration' AS kind, version AS name, checksum FROM schema_migrations
           UNION ALL SELECT 'function', file, checksum FROM schema_functions`,
  });
  const state = new Map(rows.map((r) => [`${r.kind}:${r.name}`, r.checksum]));
  const differences: string[] = [];
  for (const [kind, files] of [['migration', schema.migrations], ['function', schema.functions]] as const) {
    for (const file of files) {
      const checksum = state.get(`${kind}:${file.name}`);
      if (checksum === undefined) differences.push(`${kind} ${file.name} not applied`);
      else if (checksum !== file.checksum) differences.push(`${kind} ${file.name} differs`);
    }
  }
  return differences;
}

async function readSqlFiles(directory: URL, prefix: string): Promise<SqlFile[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(new URL(name, directory), 'utf8');
      return { name: prefix + name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

async function appliedMigrations(client: pg.Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations');
  return new Map(rows.map((row) => [row.version, row.checksum]));
}

function isLegacyHistory(done: ReadonlyMap<string, string>): boolean {
  const legacy = Object.entries(LEGACY_BASELINE.replaces);
  if (!legacy.some(([version]) => done.has(version))) return false;
  for (const [version, checksum] of legacy) {
    if (done.get(version) !== checksum) {
      throw new SchemaError(`the database holds a partial or edited pre-baseline history (${version}); it cannot be upgraded in place`);
    }
  }
  return true;
}

async function inTransaction(client: pg.Client, what: string, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    // A lost connection is retried at start-up; a statement the database refused is not.
    if (classifyDatabaseError(error) === 'unavailable') throw error;
    throw new SchemaError(`${what} failed: ${(error as Error).message}`, { cause: error });
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
