-- The business rules that must be atomic. The service calls only these functions.

-- Expected business outcomes come back as a typed result, never as an exception.
CREATE TYPE transact_status AS ENUM ('ok', 'client_not_found', 'limit_exceeded', 'balance_overflow');

-- transact: applies one credit ('c') or debit ('d') of p_valor cents to one client.
-- Locks the client row (the UPDATE), checks the limit and the safe-integer bound, updates the
-- balance and inserts the transaction, in the caller's transaction. Returns the outcome with the
-- client's balance after it (or unchanged balance when refused) and limit.
-- Inputs the service must never send (valor <= 0, unknown tipo, bad descricao) raise:
-- SQLSTATE 22023 (invalid_parameter_value) or a check violation; they are bugs, not outcomes.
CREATE FUNCTION transact(
  p_cliente_id integer, p_valor integer, p_tipo text, p_descricao text,
  OUT status transact_status, OUT saldo bigint, OUT limite integer)
LANGUAGE plpgsql AS $$
DECLARE
  delta bigint;
BEGIN
  IF p_valor IS NULL OR p_valor <= 0 THEN
    RAISE EXCEPTION 'transact: valor must be a positive integer, got %', p_valor USING ERRCODE = '22023';
  END IF;
  delta := CASE p_tipo WHEN 'c' THEN p_valor WHEN 'd' THEN -p_valor END;
  IF delta IS NULL THEN
    RAISE EXCEPTION 'transact: tipo must be c or d, got %', p_tipo USING ERRCODE = '22023';
  END IF;

  UPDATE clientes c
     SET saldo = c.saldo + delta
   WHERE c.id = p_cliente_id
     AND c.saldo + delta >= -c.limite
     AND c.saldo + delta <= 9007199254740991
  RETURNING c.saldo, c.limite INTO saldo, limite;

  IF FOUND THEN
    INSERT INTO transacoes (cliente_id, valor, tipo, descricao)
    VALUES (p_cliente_id, p_valor, p_tipo::"char", p_descricao);
    status := 'ok';
    RETURN;
  END IF;

  SELECT c.saldo, c.limite INTO saldo, limite FROM clientes c WHERE c.id = p_cliente_id;
  IF NOT FOUND THEN
    status := 'client_not_found';
  ELSIF delta < 0 THEN
    status := 'limit_exceeded';
  ELSE
    status := 'balance_overflow';
  END IF;
END
$$;

-- transact_batch: applies many transactions in one call and one commit, in array order, with
-- one result row per input, in the same order. Concurrent requests share a round trip and a
-- WAL flush this way. Every client involved is locked first in id order, so two batches can
-- never deadlock. A refused item changes nothing and does not affect the others.
CREATE FUNCTION transact_batch(
  p_cliente_ids integer[], p_valores integer[], p_tipos text[], p_descricoes text[])
RETURNS TABLE (status transact_status, saldo bigint, limite integer)
LANGUAGE plpgsql AS $$
DECLARE
  n integer := cardinality(p_cliente_ids);
BEGIN
  IF n IS NULL OR cardinality(p_valores) IS DISTINCT FROM n OR cardinality(p_tipos) IS DISTINCT FROM n
     OR cardinality(p_descricoes) IS DISTINCT FROM n THEN
    RAISE EXCEPTION 'transact_batch: the four arrays must have the same length' USING ERRCODE = '22023';
  END IF;

  PERFORM 1 FROM clientes c WHERE c.id = ANY (p_cliente_ids) ORDER BY c.id FOR UPDATE;

  FOR i IN 1 .. n LOOP
    SELECT t.status, t.saldo, t.limite INTO status, saldo, limite
      FROM transact(p_cliente_ids[i], p_valores[i], p_tipos[i], p_descricoes[i]) t;
    RETURN NEXT;
  END LOOP;
END
$$;

-- account_statement: the balance, the time of the query and the 10 newest transactions of one
-- client, newest first, as one query (one snapshot). No row when the client does not exist;
-- one row with NULL transaction columns when it has no transactions yet. Times are formatted
-- here, in UTC with microseconds, because a JavaScript Date would drop the microseconds.
CREATE FUNCTION account_statement(p_cliente_id integer)
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
      SELECT x.id, x.valor, x.tipo, x.descricao, x.realizada_em
        FROM transacoes x
       WHERE x.cliente_id = c.id
       ORDER BY x.id DESC
       LIMIT 10) t ON true
   WHERE c.id = p_cliente_id
   ORDER BY t.id DESC
$$;
