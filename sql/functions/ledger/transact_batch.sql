-- transact_batch: many credits/debits in one call and one commit (one WAL flush), in array order,
-- with one result row per input in the same order: what natural batching sends under load.
-- Reads and locks every client involved once, in id order (two batches can never deadlock),
-- applies the items in order in memory (limit and max_balance() checks, the same outcomes as
-- transact()), then writes every balance with one UPDATE and every accepted transaction with
-- one INSERT. A refused item changes nothing and does not affect the others. Inputs the service
-- must never send raise SQLSTATE 22023.
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
  IF EXISTS (SELECT 1 FROM unnest(p_valores, p_tipos) AS x(valor, tipo)
              WHERE x.valor IS NULL OR x.valor <= 0 OR x.tipo IS NULL OR x.tipo NOT IN ('c', 'd')) THEN
    RAISE EXCEPTION 'transact_batch: valor must be positive and tipo c or d' USING ERRCODE = '22023';
  END IF;

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
    ELSIF next > max_balance() THEN
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
