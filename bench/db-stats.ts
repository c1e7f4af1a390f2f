// What Postgres did during a run, from counters that are exact rather than sampled: each
// transact_batch call is one write transaction and takes one transaction id, so the xid advance
// is the number of write commits, and requests per commit shows how much natural batching shared
// each WAL flush. The WAL position gives the bytes written. (pg_stat_wal's sync count lags: a
// backend reports it up to seconds later, so it is read but only as an approximation.)
import pg from 'pg';

export interface DbSnapshot {
  /**
   * Whether transacoes has statistics yet (ANALYZE or autovacuum ran). Before that, plans cached
   * in the instances' connections were made for a near-empty table (see bench/RESULTS.md).
   */
  transacoesAnalyzed: boolean;
  nextXid: number;
  walLsnBytes: number;
  walSyncs: number | undefined;
  walSyncMs: number | undefined;
}

export interface DbDelta {
  /** transacoes had statistics by the end of the step. */
  transacoesAnalyzed: boolean;
  writeCommits: number;
  walBytes: number;
  walSyncs: number | undefined;
  walSyncMs: number | undefined;
}

const SNAPSHOT = `
  SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next_xid,
         pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal,
         (SELECT wal_sync FROM pg_stat_wal) AS wal_sync,
         (SELECT wal_sync_time FROM pg_stat_wal) AS wal_sync_time,
         coalesce((SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL
                     FROM pg_stat_user_tables WHERE relname = 'transacoes'), false) AS analyzed`;

export async function dbSnapshot(databaseUrl: string): Promise<DbSnapshot | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query(SNAPSHOT);
    const row = rows[0] as { next_xid: string; wal: string; wal_sync: string | null; wal_sync_time: number | null; analyzed: boolean };
    return {
      transacoesAnalyzed: row.analyzed,
      nextXid: Number(row.next_xid),
      walLsnBytes: Number(row.wal),
      walSyncs: row.wal_sync === null ? undefined : Number(row.wal_sync),
      walSyncMs: row.wal_sync_time ?? undefined,
    };
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

export function dbDelta(before: DbSnapshot | undefined, after: DbSnapshot | undefined): DbDelta | undefined {
  if (before === undefined || after === undefined) return undefined;
  const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);
  return {
    transacoesAnalyzed: after.transacoesAnalyzed,
    // The snapshot query itself takes no xid (it writes nothing).
    writeCommits: after.nextXid - before.nextXid,
    walBytes: after.walLsnBytes - before.walLsnBytes,
    walSyncs: diff(before.walSyncs, after.walSyncs),
    walSyncMs: diff(before.walSyncMs, after.walSyncMs),
  };
}

export interface StatementStat {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
}

/** The top statements by total execution time (needs pg_stat_statements preloaded). */
export async function topStatements(databaseUrl: string, limit = 12): Promise<StatementStat[] | string> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await client.query(
      `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time, mean_exec_time, rows
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT $1`,
      [limit],
    );
    return rows.map((row: { query: string; calls: string; total_exec_time: number; mean_exec_time: number; rows: string }) => ({
      query: row.query.slice(0, 160),
      calls: Number(row.calls),
      totalMs: Math.round(row.total_exec_time),
      meanMs: Math.round(row.mean_exec_time * 1000) / 1000,
      rows: Number(row.rows),
    }));
  } catch (error) {
    return `pg_stat_statements unavailable: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}
