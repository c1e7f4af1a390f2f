// The SQL the console sends: one read-only statement, so one snapshot of the whole house (a
// balance and the transactions listed beside it never disagree). Postgres renders the JSON the
// events carry (schemas.ts describes it; test/console/integration checks the two agree).
//
// The console is a read model: it reads the ledger's, transfers' and pix's tables here instead
// of importing their modules (docs/ARCHITECTURE.md: a module never imports another). The tables
// exist whatever MODULES runs (the migrations are one history), and the integration test runs
// this statement on a migrated database, so a migration that renames what it reads fails there.
//
// Cost: every part is an index lookup bounded by a LIMIT, except the transfers' count and sum
// (a scan of transfers) and the pix message counts (scans of their partial indexes); the feed
// runs it at most once a second per instance, and only while someone watches.

/** Open accounts are the ids below 1000 (users' accounts start at 1000: sql/migrations/0002). */
export const OPEN_ACCOUNT_LIMIT = 1000;
/** Open accounts listed, and newest transactions listed (of open accounts only). */
export const ACCOUNTS_LISTED = 50;
export const TRANSACTIONS_LISTED = 10;
export const TRANSFERS_LISTED = 5;

export const SNAPSHOT_SQL = `
WITH open_accounts AS (
  SELECT id, limite, saldo FROM clientes WHERE id < ${OPEN_ACCOUNT_LIMIT} ORDER BY id LIMIT ${ACCOUNTS_LISTED}
), newest_transactions AS (
  -- The newest of each open account through (cliente_id, seq), then the newest of those: never a
  -- scan of all transactions, whatever users' accounts wrote.
  SELECT t.id, t.cliente_id, t.valor, t.tipo::text AS tipo, t.descricao, t.realizada_em
  FROM open_accounts a
  CROSS JOIN LATERAL (
    SELECT * FROM transacoes WHERE cliente_id = a.id ORDER BY seq DESC LIMIT ${TRANSACTIONS_LISTED}
  ) t
  ORDER BY t.id DESC LIMIT ${TRANSACTIONS_LISTED}
), newest_transfers AS (
  SELECT id, value, created_at FROM transfers ORDER BY id DESC LIMIT ${TRANSFERS_LISTED}
)
SELECT json_build_object(
  'takenAt', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'accounts', (SELECT coalesce(json_agg(json_build_object('id', id, 'limite', limite, 'saldo', saldo) ORDER BY id), '[]'::json) FROM open_accounts),
  'transactions', (SELECT coalesce(json_agg(json_build_object(
      'clienteId', cliente_id, 'valor', valor, 'tipo', tipo, 'descricao', descricao, 'realizadaEm', realizada_em) ORDER BY id DESC), '[]'::json)
    FROM newest_transactions),
  'transfers', json_build_object(
    'count', (SELECT count(*) FROM transfers),
    'totalValue', (SELECT coalesce(sum(value), 0) FROM transfers),
    'pendingNotifications', (SELECT count(*) FROM notifications WHERE state = 'pending'),
    'deadNotifications', (SELECT count(*) FROM notifications WHERE state = 'dead'),
    'newest', (SELECT coalesce(json_agg(json_build_object('id', id, 'value', value, 'createdAt', created_at) ORDER BY id DESC), '[]'::json) FROM newest_transfers)),
  'pix', json_build_object(
    'openStreams', (SELECT count(*) FROM pix_streams),
    'receiversStreaming', (SELECT count(DISTINCT ispb) FROM pix_streams),
    'availableMessages', (SELECT count(*) FROM pix_messages WHERE stream_id IS NULL),
    -- Held unacknowledged: each open stream's latest pull's (the index of received messages
    -- keeps acknowledged ones too, so they are reached stream by stream).
    'unacknowledgedMessages', (SELECT count(*) FROM pix_streams s JOIN pix_messages m ON m.stream_id = s.id AND m.pull_no = s.pull_seq AND m.acked_at IS NULL))
)::text AS snapshot`;
