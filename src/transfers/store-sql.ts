// The SQL texts the transfers module sends, each a call of one function of
// sql/functions/transfers/ (prepared once per connection: named statements). Exported once: the
// worker, the benchmarks and the tests send exactly these.
export const CREATE_USER = 'SELECT status, id, full_name, document, email, kind, created_at, replayed FROM create_user($1, $2, $3, $4, $5, $6, $7)';
export const FIND_USER = 'SELECT status, id, full_name, document, email, kind, created_at FROM find_user($1, $2)';
export const DELETE_USER = 'SELECT status, replayed FROM delete_user($1, $2, $3, $4)';
export const LOGIN_BEGIN = 'SELECT throttled, user_id, password_hash FROM login_begin($1, $2, $3)';
export const LOGIN_FAILED = 'SELECT login_failed($1, $2)';
export const ISSUE_TOKEN = 'SELECT issue_token($1, $2, $3, $4)';
export const TRANSFER = 'SELECT status, id, payer, payee, value, created_at, replayed FROM transfer($1, $2, $3, $4, $5, $6)';
export const TRANSFER_BATCH =
  'SELECT status, id, payer, payee, value, created_at, replayed FROM transfer_batch($1::bytea[], $2::int[], $3::int[], $4::int[])';
export const TRANSFER_REPLAY = 'SELECT state, status, id, payer, payee, value, created_at FROM transfer_replay($1, $2, $3)';
export const DEAD_NOTIFICATIONS = `SELECT n.id, n.transfer_id, t.payee, n.attempts, n.last_error,
  to_char(n.dead_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS dead_at
  FROM notifications n JOIN transfers t ON t.id = n.transfer_id
 WHERE n.state = 'dead' ORDER BY n.dead_at LIMIT 1000`;
export const COUNT_DEAD_NOTIFICATIONS = "SELECT count(*)::int AS dead FROM notifications WHERE state = 'dead'";
export const REQUEUE_NOTIFICATION = 'SELECT requeue_notification($1)';
// The worker's.
export const CLAIM_NOTIFICATIONS = 'SELECT id, attempts, transfer_id, payer, payee, value, created_at FROM claim_notifications($1, $2)';
export const RECORD_NOTIFICATION_ATTEMPTS = 'SELECT record_notification_attempts($1::uuid[], $2::int[], $3::bool[], $4::text[], $5, $6, $7) AS died';
export const PURGE_EXPIRED = 'SELECT purge_expired($1, $2) AS removed';
