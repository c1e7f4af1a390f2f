-- account_transact_as_caller: a credit or debit of the Rinha endpoint for a caller that is not
-- the anonymous fast path (transact()/transact_batch()): a user's account, served only with its
-- owner's usable token, or any request with an Idempotency-Key. The token is checked IN the
-- UPDATE that writes the balance (no read-then-check); an account the caller may not see is
-- 'client_not_found', exactly as one that does not exist. Open accounts (is_open_account) are
-- served to anyone. The key's scope is the token's user, or 'anonymous:<account>' without one.
CREATE OR REPLACE FUNCTION account_transact_as_caller(
  p_token_hash bytea, p_cliente_id integer, p_valor integer, p_tipo text, p_descricao text,
  p_key text, p_request_hash bytea,
  OUT status transact_status, OUT saldo bigint, OUT limite integer, OUT replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  delta  bigint := CASE p_tipo WHEN 'c' THEN p_valor WHEN 'd' THEN -p_valor END;
  caller record;
  scope  text;
  idem   record;
BEGIN
  IF p_valor IS NULL OR p_valor <= 0 OR delta IS NULL THEN
    RAISE EXCEPTION 'account_transact_as_caller: valor must be positive and tipo c or d' USING ERRCODE = '22023';
  END IF;
  replayed := false;
  IF p_key IS NOT NULL THEN
    SELECT * INTO caller FROM token_caller(p_token_hash);
    scope := coalesce('user:' || caller.user_id, 'anonymous:' || p_cliente_id);
    SELECT * INTO idem FROM idempotency_begin(scope, p_key, p_request_hash);
    IF idem.state = 'running' THEN
      status := 'key_in_progress';
      RETURN;
    ELSIF idem.state = 'mismatch' THEN
      status := 'key_reused';
      RETURN;
    ELSIF idem.state = 'replay' THEN
      status := idem.outcome::transact_status;
      saldo := (idem.result ->> 'saldo')::bigint;
      limite := (idem.result ->> 'limite')::integer;
      replayed := true;
      RETURN;
    END IF;
  END IF;

  WITH applied AS (
    UPDATE clientes c SET saldo = c.saldo + delta, ultima_seq = c.ultima_seq + 1
     WHERE c.id = p_cliente_id
       AND c.saldo + delta >= -c.limite
       AND c.saldo + delta <= max_balance()
       AND (is_open_account(c.id) OR EXISTS (
             SELECT 1 FROM tokens t JOIN users u ON u.id = t.user_id
              WHERE t.hash = p_token_hash AND t.user_id = c.id
                AND t.revoked_at IS NULL AND t.expires_at > now() AND u.deleted_at IS NULL))
    RETURNING c.saldo, c.limite, c.ultima_seq
  ), recorded AS (
    INSERT INTO transacoes (cliente_id, valor, tipo, descricao, seq)
    SELECT p_cliente_id, p_valor, p_tipo::"char", p_descricao, a.ultima_seq FROM applied a
  )
  SELECT a.saldo, a.limite INTO saldo, limite FROM applied a;
  IF FOUND THEN
    status := 'ok';
  ELSE
    -- Refused, unknown or not the caller's: the same visibility rule decides which.
    SELECT c.saldo, c.limite INTO saldo, limite FROM clientes c
     WHERE c.id = p_cliente_id
       AND (is_open_account(c.id) OR EXISTS (
             SELECT 1 FROM tokens t JOIN users u ON u.id = t.user_id
              WHERE t.hash = p_token_hash AND t.user_id = c.id
                AND t.revoked_at IS NULL AND t.expires_at > now() AND u.deleted_at IS NULL));
    IF NOT FOUND THEN
      status := 'client_not_found';
    ELSIF delta < 0 THEN
      status := 'limit_exceeded';
    ELSE
      status := 'balance_overflow';
    END IF;
  END IF;
  PERFORM idempotency_finish(scope, p_key, p_request_hash, status::text,
                             jsonb_build_object('saldo', saldo, 'limite', limite));
END
$$;
