// The console's connection to Postgres: its own, read-only (default_transaction_read_only), one
// at most, opened when someone watches and closed 10 s after the last one left. Its own, not the
// instance's pool: a console tab must never take a connection the ledger's batches wait for.
import pg from 'pg';
import type { Config } from '../config.js';
import { log } from '../kernel/log.js';
import { SNAPSHOT_SQL } from './store-sql.js';
import type { LedgerSnapshotSource } from './ledger-feed.js';

const IDLE_CLOSE_MS = 10_000;

export class PgConsoleStore implements LedgerSnapshotSource {
  private readonly pool: pg.Pool;

  constructor(config: Config) {
    this.pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: 1,
      idleTimeoutMillis: IDLE_CLOSE_MS,
      connectionTimeoutMillis: config.dbConnectTimeoutMs,
      statement_timeout: config.dbQueryTimeoutMs,
      query_timeout: config.dbQueryTimeoutMs + 1000,
      application_name: 'crebitos-console',
      // Whatever a future edit of store-sql.ts does, this connection cannot write.
      options: '-c default_transaction_read_only=on',
    });
    this.pool.on('error', (error) => log.debug('console: idle postgres connection failed', { error: error.message }));
  }

  /** The ledger view's snapshot as JSON text (schemas.ts: ConsoleLedgerSnapshot). */
  async ledgerSnapshot(): Promise<string> {
    const result = await this.pool.query<{ snapshot: string }>({ name: 'console_ledger_snapshot', text: SNAPSHOT_SQL });
    return result.rows[0]!.snapshot;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
