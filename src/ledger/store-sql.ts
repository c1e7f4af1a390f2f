// The SQL texts the ledger's store sends, each a call of one function of sql/functions/ledger/.
// Exported once: the benchmarks and tests send exactly these.
export const TRANSACT = 'SELECT status, saldo, limite FROM transact($1, $2, $3, $4)';
export const TRANSACT_BATCH = 'SELECT status, saldo, limite FROM transact_batch($1::int[], $2::int[], $3::text[], $4::text[])';
export const ACCOUNT_STATEMENT = 'SELECT * FROM account_statement($1)';
// A user's account, or a request with an Idempotency-Key: the token is checked in the statement
// that writes (sql/functions/transfers/account_*_as_caller.sql).
export const TRANSACT_AS_CALLER = 'SELECT status, saldo, limite, replayed FROM account_transact_as_caller($1, $2, $3, $4, $5, $6, $7)';
export const ACCOUNT_STATEMENT_AS_CALLER = 'SELECT * FROM account_statement_as_caller($1, $2)';
