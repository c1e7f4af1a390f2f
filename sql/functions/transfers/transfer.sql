-- transfer: moves p_value cents from p_payer to p_payee for the holder of the token, as ONE
-- transaction: the token and the Idempotency-Key are checked, both accounts are locked in id
-- order (two opposite transfers never deadlock), both users are checked (known, not deleted,
-- payer not a merchant), the payer's balance is checked and both balances written, both
-- statement lines (descricao names the counterpart: '>1001' to 1001, '<1000' from 1000), the
-- transfer row and the payee's notification (the durable queue the worker drains) are inserted,
-- and the key's answer is stored. The authorizer was asked before this call: no lock is held
-- while waiting on it. Returns the outcome (transfer_status) and, on 'ok', the transfer; on a
-- replay, the first answer's outcome and transfer with replayed = true. Inputs the service never
-- sends (value <= 0, payer = payee) raise SQLSTATE 22023.
CREATE OR REPLACE FUNCTION transfer(
  p_token_hash bytea, p_payer integer, p_payee integer, p_value integer,
  p_key text, p_request_hash bytea,
  OUT status transfer_status, OUT id bigint, OUT payer integer, OUT payee integer, OUT value integer,
  OUT created_at text, OUT replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  caller      record;
  scope       text;
  idem        record;
  payer_user  record;
  payee_user  record;
  payee_saldo bigint;
  payer_seq   bigint;
  payee_seq   bigint;
  moved       record;
BEGIN
  IF p_value IS NULL OR p_value <= 0 OR p_payer IS NULL OR p_payee IS NULL OR p_payer = p_payee THEN
    RAISE EXCEPTION 'transfer: value must be positive and payer differ from payee' USING ERRCODE = '22023';
  END IF;
  replayed := false;
  SELECT * INTO caller FROM token_caller(p_token_hash);
  IF caller.user_id IS NULL THEN
    status := 'unauthenticated';
    RETURN;
  END IF;
  scope := 'user:' || caller.user_id;
  SELECT * INTO idem FROM idempotency_begin(scope, p_key, p_request_hash);
  IF idem.state = 'running' THEN
    status := 'key_in_progress';
    RETURN;
  ELSIF idem.state = 'mismatch' THEN
    status := 'key_reused';
    RETURN;
  ELSIF idem.state = 'replay' THEN
    -- The first answer, rebuilt as transfer_replay() rebuilds it (one place for its shape).
    SELECT r.status, r.id, r.payer, r.payee, r.value, r.created_at INTO status, id, payer, payee, value, created_at
      FROM transfer_replay(p_token_hash, p_key, p_request_hash) r;
    replayed := true;
    RETURN;
  END IF;
  IF NOT caller.valid THEN
    status := 'unauthenticated'; -- not stored: a valid token may still make this request
    RETURN;
  END IF;

  IF caller.user_id <> p_payer THEN
    status := 'token_not_payer';
  ELSE
    PERFORM 1 FROM clientes c WHERE c.id IN (p_payer, p_payee) ORDER BY c.id FOR UPDATE;
    -- Read after the locks: a deletion locks the account too, so these are current.
    SELECT u.kind, u.deleted_at INTO payer_user FROM users u WHERE u.id = p_payer;
    SELECT u.kind, u.deleted_at INTO payee_user FROM users u WHERE u.id = p_payee;
    SELECT c.saldo INTO payee_saldo FROM clientes c WHERE c.id = p_payee;
    IF payer_user.kind IS NULL OR payer_user.deleted_at IS NOT NULL THEN
      status := 'payer_not_found';
    ELSIF payee_user.kind IS NULL OR payee_user.deleted_at IS NOT NULL THEN
      status := 'payee_not_found';
    ELSIF payer_user.kind = 'merchant' THEN
      status := 'payer_is_merchant';
    ELSIF payee_saldo + p_value > max_balance() THEN
      status := 'balance_overflow';
    ELSE
      -- The balance check and the write are one statement (the limit of a user is 0).
      UPDATE clientes c SET saldo = c.saldo - p_value, ultima_seq = c.ultima_seq + 1
       WHERE c.id = p_payer AND c.saldo - p_value >= -c.limite
      RETURNING c.ultima_seq INTO payer_seq;
      IF payer_seq IS NULL THEN
        status := 'insufficient_balance';
      ELSE
        UPDATE clientes c SET saldo = c.saldo + p_value, ultima_seq = c.ultima_seq + 1
         WHERE c.id = p_payee
        RETURNING c.ultima_seq INTO payee_seq;
        INSERT INTO transfers (payer, payee, value) VALUES (p_payer, p_payee, p_value)
        RETURNING transfers.id, transfers.created_at INTO moved;
        INSERT INTO transacoes (cliente_id, valor, tipo, descricao, seq, realizada_em) VALUES
          (p_payer, p_value, 'd', '>' || p_payee, payer_seq, moved.created_at),
          (p_payee, p_value, 'c', '<' || p_payer, payee_seq, moved.created_at);
        INSERT INTO notifications (transfer_id) VALUES (moved.id);
        status := 'ok';
        id := moved.id;
        payer := p_payer;
        payee := p_payee;
        value := p_value;
        created_at := to_char(moved.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
      END IF;
    END IF;
  END IF;
  PERFORM idempotency_finish(scope, p_key, p_request_hash, status::text,
                             CASE WHEN status = 'ok' THEN jsonb_build_object('id', id) ELSE '{}'::jsonb END);
END
$$;
