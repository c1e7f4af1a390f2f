// The billing module's store on Postgres. Reads and the small writes go through the instance's
// pool; an upload's import runs on a connection of its own (outside the pool, so a long upload
// never holds a connection the ledger's requests wait for), in ONE transaction: the staging
// COPY, the merge into the debts, the invalid rows, the jobs and the file's counts commit
// together or not at all.
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { errorCodeForDatabaseError } from '../kernel/database-errors.js';
import { ErrorCode } from '../kernel/errors.js';
import { log } from '../kernel/log.js';
import { StoreError } from '../kernel/store-error.js';
import { BodyStreamError } from '../kernel/body-stream.js';
import { CsvFileError, CsvToCopy } from './csv-to-copy.js';
import { FILES_LISTED, INVALID_ROWS_RETURNED, type FileDetailView, type FileStatus, type FileView } from './schemas.js';
import {
  COPY_STAGING, CREATE_RECEIVING_FILE, CREATE_STAGING, FILE_OF_KEY, FIND_FILE, INVALID_ROWS, LIST_FILES, MERGE_STAGING, PENDING_EMAILS, REMOVE_RECEIVING_FILE,
  REPORT_PROGRESS,
} from './store-sql.js';

/** Debts per boletos job (one worker transaction each). */
export const BOLETO_BATCH = 10_000;
/** The import's statements (the COPY lasts the whole upload) may run this long. */
const IMPORT_STATEMENT_TIMEOUT_MS = 10 * 60_000;
/** How often a receiving file's progress is written (GET /billings/files shows it). */
const PROGRESS_EVERY_MS = 500;

export interface FileRow {
  id: string;
  name: string | null;
  status: FileStatus;
  rows: number;
  imported: number;
  duplicates: number;
  invalid: number;
  boletos_issued: number;
  emails_sent: number;
  emails_failed: number;
  bytes_received: number;
  bytes_total: number | null;
  sha256: string | null;
  created_at: string;
  imported_at: string | null;
  done_at: string | null;
}

export function fileView(r: FileRow): FileView {
  // bigint columns: numbers whatever the pool's int8 parser (the kernel's parses them, plain pg does not).
  const bytesReceived = Number(r.bytes_received);
  const bytesTotal = r.bytes_total === null ? null : Number(r.bytes_total);
  const settled = r.emails_sent + r.emails_failed;
  const progress = r.status === 'done' ? 1
    : r.status === 'receiving' ? (bytesTotal ? Math.min(1, bytesReceived / bytesTotal) : 0)
    : r.imported === 0 ? 1 : Math.min(1, settled / r.imported);
  return {
    id: r.id, name: r.name, status: r.status, rows: r.rows, imported: r.imported, duplicates: r.duplicates, invalid: r.invalid,
    boletosIssued: r.boletos_issued, emailsSent: r.emails_sent, emailsFailed: r.emails_failed, bytesReceived,
    bytesTotal, progress, sha256: r.sha256, createdAt: r.created_at, importedAt: r.imported_at, doneAt: r.done_at,
  };
}

/**
 * imported: a new file (201). duplicate_file: these bytes were imported before, the first file's
 * record (200). key_replayed: the Idempotency-Key's first upload, same bytes (its answer again).
 * key_reused: the key was used with other bytes (422). key_in_progress: its first upload is still
 * receiving (409; the body is not read).
 */
export type ImportOutcome =
  | { status: 'imported' | 'duplicate_file' | 'key_replayed'; file: FileView }
  | { status: 'key_reused' | 'key_in_progress'; file: undefined };

export class PgBillingStore {
  private reachable = true;

  constructor(
    private readonly pool: pg.Pool,
    private readonly databaseUrl: string,
  ) {}

  async listFiles(): Promise<FileView[]> {
    return (await this.all<FileRow>('billing_list_files', LIST_FILES, [FILES_LISTED])).map(fileView);
  }

  async findFile(id: string): Promise<FileDetailView | undefined> {
    const [row] = await this.all<FileRow>('billing_find_file', FIND_FILE, [id]);
    if (row === undefined) return undefined;
    const invalidRows = row.invalid === 0 ? [] : await this.all<{ line: number; reason: string }>('billing_invalid_rows', INVALID_ROWS, [id, INVALID_ROWS_RETURNED]);
    return { ...fileView(row), invalidRows, invalidRowsTruncated: row.invalid > invalidRows.length };
  }

  /** Imported debts not settled yet (e-mail neither sent nor failed), from the files' counters. */
  async pendingEmails(): Promise<number> {
    return Number((await this.all<{ n: number }>('billing_pending_emails', PENDING_EMAILS, []))[0]!.n);
  }

  /**
   * Imports one CSV file from `source` (the file's bytes): a receiving record first (committed, so
   * the upload's progress shows), then the import transaction. Rejects with CsvFileError (the file
   * cannot be imported), StoreError (the database), or the source's error (the client went away);
   * in every such case nothing of the file remains.
   */
  async importCsv(source: Readable, name: string | null, bytesTotal: number | null, idempotencyKey: string | null = null): Promise<ImportOutcome> {
    const [created] = await this.all<{ id: string }>('billing_create_receiving_file', CREATE_RECEIVING_FILE, [name, bytesTotal, idempotencyKey]);
    if (created === undefined) return this.keyedAgain(source, idempotencyKey!);
    const fileId = created.id;
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'crebitos-billing-import', statement_timeout: IMPORT_STATEMENT_TIMEOUT_MS });
    client.on('error', () => {}); // reported through the failing query instead
    const csv = new CsvToCopy();
    const progress = setInterval(() => {
      this.pool.query({ name: 'billing_report_progress', text: REPORT_PROGRESS, values: [fileId, csv.bytes, csv.rows] }).catch(() => {});
    }, PROGRESS_EVERY_MS);
    let connected = false;
    try {
      await client.connect();
      connected = true;
      await client.query('BEGIN');
      await client.query(CREATE_STAGING);
      const startedAt = performance.now();
      await pipeline(source, csv, client.query(copyFrom(COPY_STAGING)));
      clearInterval(progress);
      const copiedAt = performance.now();
      const { rows: [merged] } = await client.query<{ status: 'imported' | 'duplicate_file'; file_id: string }>(MERGE_STAGING, [fileId, csv.sha256(), csv.bytes, BOLETO_BATCH]);
      const mergedAt = performance.now();
      await client.query('COMMIT');
      log.info('billing file imported', {
        fileId: merged!.file_id, outcome: merged!.status, rows: csv.rows, bytes: csv.bytes,
        copyMs: Math.round(copiedAt - startedAt), mergeMs: Math.round(mergedAt - copiedAt), commitMs: Math.round(performance.now() - mergedAt),
      });
      const file = (await this.findFile(merged!.file_id))!;
      return { status: merged!.status, file };
    } catch (error) {
      clearInterval(progress);
      if (connected) await client.query('ROLLBACK').catch(() => {});
      await this.pool.query(REMOVE_RECEIVING_FILE, [fileId]).catch((removeError: Error) => log.warn('could not remove an abandoned upload record; the worker will', { fileId, error: removeError.message }));
      if (error instanceof CsvFileError || error instanceof BodyStreamError) throw error;
      throw this.storeError('billing_import', error);
    } finally {
      clearInterval(progress);
      await client.end().catch(() => {});
    }
  }

  /** An upload with a key already used: replayed (same bytes), refused (other bytes) or in progress. */
  private async keyedAgain(source: Readable, key: string): Promise<ImportOutcome> {
    const [first] = await this.all<FileRow>('billing_file_of_key', FILE_OF_KEY, [key]);
    if (first === undefined || first.status === 'receiving') return { status: 'key_in_progress', file: undefined };
    // Only the bytes' hash is needed: the body is read through, nothing is parsed or stored.
    const hash = createHash('sha256');
    for await (const chunk of source) hash.update(chunk as Buffer);
    return hash.digest('hex') === first.sha256 ? { status: 'key_replayed', file: fileView(first) } : { status: 'key_reused', file: undefined };
  }

  private async all<T extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<T[]> {
    try {
      const result = await this.pool.query<T>({ name, text, values });
      if (!this.reachable) {
        this.reachable = true;
        log.info('database reachable again');
      }
      return result.rows;
    } catch (error) {
      throw this.storeError(name, error);
    }
  }

  private storeError(name: string, error: unknown): StoreError {
    const code = errorCodeForDatabaseError(error);
    if (code === ErrorCode.DatabaseUnavailable) {
      if (this.reachable) log.warn('database unavailable; answering 503 until it is back', { error: (error as Error).message });
      this.reachable = false;
    } else {
      log.error('database call failed', { statement: name, error: (error as Error).message, code: (error as { code?: string }).code });
    }
    return new StoreError(code, (error as Error).message, { cause: error });
  }
}
