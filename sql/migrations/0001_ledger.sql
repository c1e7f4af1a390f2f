-- The ledger's tables, their rules and the five accounts of the contract. Tables are logged (the
-- default): a 200 must survive a crash. This file is the baseline of the history that migrations
-- 0001_schema.sql .. 0006_single_statement_transact.sql built: a database that applied those is
-- recognised as having applied this one (src/kernel/migrations.ts, LEGACY_BASELINE), and the
-- resulting schema is the same (test/ledger/integration/schema-upgrade.test.ts). The functions
-- that use these tables live in sql/functions/ledger/, one file each.

CREATE TABLE clientes (
  id         integer PRIMARY KEY,
  limite     integer NOT NULL CONSTRAINT clientes_limite_non_negative CHECK (limite >= 0),
  saldo      bigint  NOT NULL DEFAULT 0,
  -- The limit rule, enforced by the database itself and not only by transact().
  CONSTRAINT clientes_saldo_within_limite CHECK (saldo >= -limite),
  -- Balances travel as JSON numbers; above 2^53 - 1 a JavaScript client would lose cents.
  -- The same bound is max_balance() (sql/functions/ledger/max_balance.sql), which the functions
  -- check before writing; a test keeps the two equal.
  CONSTRAINT clientes_saldo_safe_integer CHECK (saldo <= 9007199254740991),
  -- The number of the client's newest transaction (transacoes.seq): the statement reads
  -- seq > ultima_seq - 10, at most 10 index entries whatever plan is chosen.
  ultima_seq bigint  NOT NULL DEFAULT 0
);

CREATE TABLE transacoes (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cliente_id   integer     NOT NULL CONSTRAINT transacoes_cliente_id_fkey REFERENCES clientes (id),
  valor        integer     NOT NULL CONSTRAINT transacoes_valor_positive CHECK (valor > 0),
  tipo         "char"      NOT NULL CONSTRAINT transacoes_tipo_known CHECK (tipo IN ('c', 'd')),
  -- varchar counts characters (code points in UTF8), as the contract does.
  descricao    varchar(10) NOT NULL CONSTRAINT transacoes_descricao_not_empty CHECK (descricao <> ''),
  -- clock_timestamp(), not now(): taken under the client's row lock, so time order = insertion order.
  realizada_em timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The transaction's number within its client: 1, 2, 3, ...
  seq          bigint      NOT NULL
);

CREATE UNIQUE INDEX transacoes_cliente_id_seq ON transacoes (cliente_id, seq);

-- Expected business outcomes of a credit/debit come back as this typed result, never as an
-- exception; the service maps each to HTTP in one table (src/kernel/error-status.ts).
CREATE TYPE transact_status AS ENUM ('ok', 'client_not_found', 'limit_exceeded', 'balance_overflow');

-- The five clients of the contract, each starting at balance 0. Client 6 must not exist.
INSERT INTO clientes (id, limite) VALUES
  (1, 100000),
  (2, 80000),
  (3, 1000000),
  (4, 10000000),
  (5, 500000);
