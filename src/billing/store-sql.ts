// The SQL texts the billing module sends (prepared once per connection: named statements), each a
// call of one function of sql/functions/billing/ or one plain statement. Exported once: the worker,
// the benchmark and the tests send exactly these.
const TIME = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The columns of a file record (src/billing/store.ts maps them to FileView). */
export const FILE_COLUMNS = `f.id, f.name, f.status, f.rows, f.imported, f.duplicates, f.invalid, f.boletos_issued, f.emails_sent,
  f.emails_failed, f.bytes_received, f.bytes_total, encode(f.sha256, 'hex') AS sha256, ${TIME('f.created_at')} AS created_at,
  ${TIME('f.imported_at')} AS imported_at, ${TIME('f.done_at')} AS done_at`;

export const LIST_FILES = `SELECT ${FILE_COLUMNS} FROM billing_files f ORDER BY f.created_at DESC, f.id LIMIT $1`;
export const FIND_FILE = `SELECT ${FILE_COLUMNS} FROM billing_files f WHERE f.id = $1`;
export const INVALID_ROWS = 'SELECT line, reason FROM billing_invalid_rows WHERE file_id = $1 ORDER BY line LIMIT $2';
export const CREATE_RECEIVING_FILE = `INSERT INTO billing_files (name, bytes_total, idempotency_key) VALUES ($1, $2, $3)
  ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`;
export const FILE_OF_KEY = `SELECT ${FILE_COLUMNS} FROM billing_files f WHERE f.idempotency_key = $1`;
export const REPORT_PROGRESS = "UPDATE billing_files SET bytes_received = $2, rows = $3, updated_at = now() WHERE id = $1 AND status = 'receiving'";
export const PENDING_EMAILS = "SELECT coalesce(sum(imported - emails_sent - emails_failed), 0)::bigint AS n FROM billing_files WHERE status = 'processing'";
export const REMOVE_RECEIVING_FILE = "DELETE FROM billing_files WHERE id = $1 AND status = 'receiving'";

// The import transaction, on the upload's own connection.
export const CREATE_STAGING = `CREATE TEMPORARY TABLE billing_staging (
  line integer NOT NULL, name text, government_id text, email text, amount_cents bigint, due_date date, debt_id uuid, reason text
) ON COMMIT DROP`;
export const COPY_STAGING = 'COPY billing_staging FROM STDIN';
export const MERGE_STAGING = 'SELECT status, file_id FROM billing_merge_staging($1, $2, $3, $4)';

// The worker's.
export const CLAIM_JOBS = 'SELECT id, seq_from, seq_to, attempts FROM billing_claim_jobs($1, $2, $3)';
export const EXTEND_JOB_LEASE = 'SELECT billing_extend_job_lease($1, $2, $3) AS extended';
export const DEBTS_TO_ISSUE = "SELECT seq, amount_cents, to_char(due_date, 'YYYY-MM-DD') AS due_date FROM billing_debts WHERE seq BETWEEN $1 AND $2 AND state = 'imported'";
export const ISSUE_BOLETOS = 'SELECT billing_issue_boletos($1, $2, $3::bigint[], $4::text[], $5) AS issued';
export const DEBTS_TO_EMAIL = `SELECT seq, debt_id, name, email, amount_cents, to_char(due_date, 'YYYY-MM-DD') AS due_date, payment_line
  FROM billing_debts WHERE seq BETWEEN $1 AND $2 AND state = 'boleto_issued' AND email_due_at <= now() ORDER BY seq`;
export const RECORD_EMAILS = 'SELECT billing_record_emails($1::bigint[], $2::bool[], $3::bool[], $4::text[], $5, $6, $7) AS recorded';
export const FINISH_EMAIL_JOB = 'SELECT billing_finish_email_job($1, $2) AS finished';
export const REMOVE_STALE_UPLOADS = 'SELECT billing_remove_stale_uploads($1) AS removed';
