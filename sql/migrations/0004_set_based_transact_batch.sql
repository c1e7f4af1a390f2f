-- transact_batch, set-based. The first version called transact() once per item: an UPDATE, an
-- INSERT and a nested call each, ~130 us per item under load (pg_stat_statements, bench/RESULTS.md).
-- Now the batch reads and locks its clients once, applies the items in order in memory, then
-- writes every balance with one UPDATE and every accepted transaction with one INSERT.
-- Same signature and results; the rules now live here only, and transact() is a batch of one.

CREATE OR REPLACE FUNCTION transact_batch(
  p_cliente_ids integer[], p_valores integer[], p_tipos text[], p_descricoes text[])
RETURNS TABLE (status transact_status, saldo bigint, limite integer)
LANGUAGE plpgsql AS $$
DECLARE
  n          integer := cardinality(p_cliente_ids);
  ids        integer[];   -- the batch's existing clients, ascending, locked
  balances   bigint[];    -- their balances, kept current as items apply
  limits     integer[];
  statuses   transact_status[] := '{}';
  saldos     bigint[] := '{}';
  limites    integer[] := '{}';
  applied    boolean[] := '{}';
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
  SELECT array_agg(c.id ORDER BY c.id), array_agg(c.saldo ORDER BY c.id), array_agg(c.limite ORDER BY c.id)
    INTO ids, balances, limits
    FROM (SELECT x.id, x.saldo, x.limite FROM clientes x
           WHERE x.id = ANY (p_cliente_ids) ORDER BY x.id FOR UPDATE) c;

  FOR i IN 1 .. n LOOP
    k := array_position(ids, p_cliente_ids[i]);
    IF k IS NULL THEN
      statuses[i] := 'client_not_found';
      saldos[i] := NULL;
      limites[i] := NULL;
      applied[i] := false;
      CONTINUE;
    END IF;
    next := balances[k] + CASE p_tipos[i] WHEN 'c' THEN p_valores[i] ELSE -p_valores[i] END;
    IF next < -limits[k] THEN
      statuses[i] := 'limit_exceeded';
      applied[i] := false;
    ELSIF next > 9007199254740991 THEN
      statuses[i] := 'balance_overflow';
      applied[i] := false;
    ELSE
      balances[k] := next;
      statuses[i] := 'ok';
      applied[i] := true;
    END IF;
    saldos[i] := balances[k];
    limites[i] := limits[k];
  END LOOP;

  -- The constraints (clientes_saldo_within_limite, ...) still check every written balance.
  UPDATE clientes c SET saldo = u.saldo
    FROM unnest(ids, balances) AS u(id, saldo)
   WHERE c.id = u.id AND c.saldo <> u.saldo;

  -- In input order: ids and clock_timestamp() follow it, so the statement's order is the batch's.
  INSERT INTO transacoes (cliente_id, valor, tipo, descricao)
  SELECT x.cliente_id, x.valor, x.tipo::"char", x.descricao
    FROM unnest(p_cliente_ids, p_valores, p_tipos, p_descricoes, applied)
         WITH ORDINALITY AS x(cliente_id, valor, tipo, descricao, applied, i)
   WHERE x.applied
   ORDER BY x.i;

  RETURN QUERY
    SELECT r.status, r.saldo, r.limite
      FROM unnest(statuses, saldos, limites) WITH ORDINALITY AS r(status, saldo, limite, i)
     ORDER BY r.i;
END
$$;

-- transact: one credit or debit, as a batch of one (the rules live in transact_batch only).
CREATE OR REPLACE FUNCTION transact(
  p_cliente_id integer, p_valor integer, p_tipo text, p_descricao text,
  OUT status transact_status, OUT saldo bigint, OUT limite integer)
LANGUAGE sql AS $$
  SELECT b.status, b.saldo, b.limite
    FROM transact_batch(ARRAY[p_cliente_id], ARRAY[p_valor], ARRAY[p_tipo], ARRAY[p_descricao]) b
$$;
