// Applies sql/migrations/*.sql in name order, each once, each in its own transaction. Safe when
// several instances start at once: they queue on an advisory lock. Forward only: a migration
// that was applied and then edited stops the start, because the database no longer matches it.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';

export const MIGRATIONS_DIR = new URL('../../../sql/migrations/', import.meta.url);
const LOCK_KEY = 'crebitos.migrations';

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export async function migrate(databaseUrl: string, directory: URL = MIGRATIONS_DIR): Promise<MigrationReport> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'crebitos-migrate' });
  client.on('error', () => {}); // reported through the failing query instead
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations');
    const done = new Map(rows.map((row) => [row.version, row.checksum]));
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const file of files) {
      const sql = await readFile(new URL(file, directory), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const appliedChecksum = done.get(file);
      if (appliedChecksum !== undefined) {
        if (appliedChecksum !== checksum) {
          throw new Error(`migration ${file} was edited after it was applied; add a new migration instead`);
        }
        report.alreadyApplied.push(file);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [file, checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      report.applied.push(file);
    }
    return report;
  } finally {
    await client.end().catch(() => {}); // ending the session releases the advisory lock
  }
}
