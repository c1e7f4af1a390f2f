-- transact: one credit ('c') or debit ('d') of p_valor cents on one client, as ONE statement.
-- The UPDATE locks the client row, re-checks the limit on the row's latest version (READ
-- COMMITTED re-evaluates its WHERE after waiting for a concurrent writer) and feeds the INSERT
-- through a CTE. Returns the outcome with the client's balance after it (or the current balance
-- when refused) and its limit. The service uses it for a request that travels alone (every
-- request at low load); several at once go through transact_batch(), with the same outcomes.
-- Inputs the service must never send (valor <= 0, unknown tipo) are bugs, not outcomes: they
-- raise SQLSTATE 22023 (invalid_parameter_value).
CREATE OR REPLACE FUNCTION transact(
  p_cliente_id integer, p_valor integer, p_tipo text, p_descricao text,
  OUT status transact_status, OUT saldo bigint, OUT limite integer)
LANGUAGE plpgsql AS $$
DECLARE
  delta bigint := CASE p_tipo WHEN 'c' THEN p_valor WHEN 'd' THEN -p_valor END;
BEGIN
  IF p_valor IS NULL OR p_valor <= 0 OR delta IS NULL THEN
    RAISE EXCEPTION 'transact: valor must be positive and tipo c or d' USING ERRCODE = '22023';
  END IF;

  WITH applied AS (
    UPDATE clientes c SET saldo = c.saldo + delta, ultima_seq = c.ultima_seq + 1
     WHERE c.id = p_cliente_id
       AND c.saldo + delta >= -c.limite
       AND c.saldo + delta <= max_balance()
    RETURNING c.saldo, c.limite, c.ultima_seq
  ), recorded AS (
    INSERT INTO transacoes (cliente_id, valor, tipo, descricao, seq)
    SELECT p_cliente_id, p_valor, p_tipo::"char", p_descricao, a.ultima_seq FROM applied a
  )
  SELECT a.saldo, a.limite INTO saldo, limite FROM applied a;
  IF FOUND THEN
    status := 'ok';
    RETURN;
  END IF;

  -- Refused or unknown. The reason follows from the tipo alone (a credit can only overflow, a
  -- debit can only pass the limit), so it stays right even if the balance moved meanwhile; the
  -- balance returned is the current one, read without a lock.
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
