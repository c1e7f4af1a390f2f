-- Accounts and their ledger. Tables are logged (the default): a 200 must survive a crash.

CREATE TABLE clientes (
  id     integer PRIMARY KEY,
  limite integer NOT NULL CONSTRAINT clientes_limite_non_negative CHECK (limite >= 0),
  saldo  bigint  NOT NULL DEFAULT 0,
  -- The limit rule, enforced by the database itself and not only by transact().
  CONSTRAINT clientes_saldo_within_limite CHECK (saldo >= -limite),
  -- Balances travel as JSON numbers; above 2^53 - 1 a JavaScript client would lose cents.
  CONSTRAINT clientes_saldo_safe_integer CHECK (saldo <= 9007199254740991)
);

CREATE TABLE transacoes (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cliente_id   integer     NOT NULL CONSTRAINT transacoes_cliente_id_fkey REFERENCES clientes (id),
  valor        integer     NOT NULL CONSTRAINT transacoes_valor_positive CHECK (valor > 0),
  tipo         "char"      NOT NULL CONSTRAINT transacoes_tipo_known CHECK (tipo IN ('c', 'd')),
  -- varchar counts characters (code points in UTF8), as the contract does.
  descricao    varchar(10) NOT NULL CONSTRAINT transacoes_descricao_not_empty CHECK (descricao <> ''),
  -- clock_timestamp(), not now(): taken under the client's row lock, so time order = insertion order.
  realizada_em timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The statement reads the 10 newest rows of one client: newest = highest id.
CREATE INDEX transacoes_cliente_id_id_desc ON transacoes (cliente_id, id DESC);
