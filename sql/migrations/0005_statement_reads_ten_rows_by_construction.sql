-- The statement read the 10 newest rows with ORDER BY id DESC LIMIT 10. Its cached plan was made
-- while transacoes had no statistics (a fresh database): a bitmap scan of ALL the client's rows
-- plus a sort, ~15 ms at 20,000 rows, until autovacuum's first ANALYZE replaced it
-- (bench/RESULTS.md, bottleneck 3). Now each transaction carries its number within its client
-- (seq = 1, 2, 3, ...) and the client row keeps the last one, so the statement asks for
-- `seq > ultima_seq - 10`: at most 10 rows of a unique index, whatever plan is chosen.

ALTER TABLE clientes ADD COLUMN ultima_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE transacoes ADD COLUMN seq bigint;

UPDATE transacoes t SET seq = n.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY cliente_id ORDER BY id) AS seq FROM transacoes) n
 WHERE t.id = n.id;
UPDATE clientes c SET ultima_seq = coalesce((SELECT max(t.seq) FROM transacoes t WHERE t.cliente_id = c.id), 0);

ALTER TABLE transacoes ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX transacoes_cliente_id_seq ON transacoes (cliente_id, seq);
DROP INDEX transacoes_cliente_id_id_desc;

-- transact_batch: as in 0004, and numbers each accepted transaction within its client.
CREATE OR REPLACE FUNCTION transact_batch(
  p_cliente_ids integer[], p_valores integer[], p_tipos text[], p_descricoes text[])
RETURNS TABLE (status transact_status, saldo bigint, limite integer)
LANGUAGE plpgsql AS $$
DECLARE
  n          integer := cardinality(p_cliente_ids);
  ids        integer[];   -- the batch's existing clients, ascending, locked
  balances   bigint[];    -- their balances, kept current as items apply
  limits     integer[];
  last_seqs  bigint[];    -- their last transaction number, kept current
  statuses   transact_status[] := '{}';
  saldos     bigint[] := '{}';
  limites    integer[] := '{}';
  seqs       bigint[] := '{}'; -- per item: its number within its client, NULL when refused
  k          integer;
  next       bigint;
BEGIN
  IF n IS NULL OR cardinality(p_valores) IS DISTINCT FROM n OR cardinality(p_tipos) IS DISTINCT FROM n
     OR cardinality(p_descricoes) IS DISTINCT FROM n THEN
    RAISE EXCEPTION 'transact_batch: the four arrays must have the same length' USING ERRCODE = '22023';
  END IF;
  -- Inputs the service must never send are bugs, not outcomes: a distinct SQLSTATE.
  IF EXISTS (SELECT 1 FROM unnest(p_valores, p_tipos) AS x(valor, tipo)
              WHERE x.valor IS NULL OR x.valor <= 0 OR x.tipo IS NULL OR x.tipo NOT IN ('c', 'd')) THEN
    RAISE EXCEPTION 'transact_batch: valor must be positive and tipo c or d' USING ERRCODE = '22023';
  END IF;

  -- Lock in id order: two batches can never deadlock.
  SELECT array_agg(c.id ORDER BY c.id), array_agg(c.saldo ORDER BY c.id),
         array_agg(c.limite ORDER BY c.id), array_agg(c.ultima_seq ORDER BY c.id)
    INTO ids, balances, limits, last_seqs
    FROM (SELECT x.id, x.saldo, x.limite, x.ultima_seq FROM clientes x
           WHERE x.id = ANY (p_cliente_ids) ORDER BY x.id FOR UPDATE) c;

  FOR i IN 1 .. n LOOP
    k := array_position(ids, p_cliente_ids[i]);
    IF k IS NULL THEN
      statuses[i] := 'client_not_found';
      saldos[i] := NULL;
      limites[i] := NULL;
      seqs[i] := NULL;
      CONTINUE;
    END IF;
    next := balances[k] + CASE p_tipos[i] WHEN 'c' THEN p_valores[i] ELSE -p_valores[i] END;
    IF next < -limits[k] THEN
      statuses[i] := 'limit_exceeded';
      seqs[i] := NULL;
    ELSIF next > 9007199254740991 THEN
      statuses[i] := 'balance_overflow';
      seqs[i] := NULL;
    ELSE
      balances[k] := next;
      last_seqs[k] := last_seqs[k] + 1;
      seqs[i] := last_seqs[k];
      statuses[i] := 'ok';
    END IF;
    saldos[i] := balances[k];
    limites[i] := limits[k];
  END LOOP;

  -- The constraints (clientes_saldo_within_limite, ...) still check every written balance.
  UPDATE clientes c SET saldo = u.saldo, ultima_seq = u.ultima_seq
    FROM unnest(ids, balances, last_seqs) AS u(id, saldo, ultima_seq)
   WHERE c.id = u.id AND c.ultima_seq <> u.ultima_seq;

  -- In input order: ids and clock_timestamp() follow it, so the statement's order is the batch's.
  INSERT INTO transacoes (cliente_id, valor, tipo, descricao, seq)
  SELECT x.cliente_id, x.valor, x.tipo::"char", x.descricao, x.seq
    FROM unnest(p_cliente_ids, p_valores, p_tipos, p_descricoes, seqs)
         WITH ORDINALITY AS x(cliente_id, valor, tipo, descricao, seq, i)
   WHERE x.seq IS NOT NULL
   ORDER BY x.i;

  RETURN QUERY
    SELECT r.status, r.saldo, r.limite
      FROM unnest(statuses, saldos, limites) WITH ORDINALITY AS r(status, saldo, limite, i)
     ORDER BY r.i;
END
$$;

-- account_statement: as in 0002, reading the newest 10 by number (at most 10 index entries).
CREATE OR REPLACE FUNCTION account_statement(p_cliente_id integer)
RETURNS TABLE (
  saldo bigint, limite integer, data_extrato text,
  valor integer, tipo text, descricao text, realizada_em text)
LANGUAGE sql STABLE AS $$
  SELECT c.saldo, c.limite,
         to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         t.valor, t.tipo::text, t.descricao::text,
         to_char(t.realizada_em AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM clientes c
    LEFT JOIN LATERAL (
      SELECT x.seq, x.valor, x.tipo, x.descricao, x.realizada_em
        FROM transacoes x
       WHERE x.cliente_id = c.id AND x.seq > c.ultima_seq - 10) t ON true
   WHERE c.id = p_cliente_id
   ORDER BY t.seq DESC
$$;
