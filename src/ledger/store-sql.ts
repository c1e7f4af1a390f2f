// The SQL texts the ledger's store sends, each a call of one function of sql/functions/ledger/.
// Exported once: the benchmarks and tests send exactly these.
export const TRANSACT = 'SELECT status, saldo, limite FROM transact($1, $2, $3, $4)';
export const TRANSACT_BATCH = 'SELECT status, saldo, limite FROM transact_batch($1::int[], $2::int[], $3::text[], $4::text[])';
export const ACCOUNT_STATEMENT = 'SELECT * FROM account_statement($1)';
