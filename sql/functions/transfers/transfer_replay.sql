-- transfer_replay: the stored answer of a POST /transfer that carried this Idempotency-Key, for
-- the holder of this token, without doing anything: asked only when the authorizer did not allow
-- a keyed request (refused or unavailable), so that a retry of a transfer that already happened
-- gets its first answer instead of the authorizer's verdict of today. 'none' when nothing is
-- stored (or the token names nobody): the caller answers what the authorizer said.
-- 'key_reused' when the key was used with another request.
CREATE OR REPLACE FUNCTION transfer_replay(p_token_hash bytea, p_key text, p_request_hash bytea,
  OUT state text, OUT status transfer_status, OUT id bigint, OUT payer integer, OUT payee integer,
  OUT value integer, OUT created_at text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  caller record;
  stored record;
BEGIN
  state := 'none';
  SELECT * INTO caller FROM token_caller(p_token_hash);
  IF caller.user_id IS NULL OR p_key IS NULL THEN
    RETURN;
  END IF;
  SELECT k.request_hash, k.outcome, k.result INTO stored
    FROM idempotency_keys k WHERE k.scope = 'user:' || caller.user_id AND k.key = p_key;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF stored.request_hash <> p_request_hash THEN
    state := 'mismatch';
    RETURN;
  END IF;
  state := 'replay';
  status := stored.outcome::transfer_status;
  IF status = 'ok' THEN
    SELECT t.id, t.payer, t.payee, t.value, to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
      INTO id, payer, payee, value, created_at
      FROM transfers t WHERE t.id = (stored.result ->> 'id')::bigint;
  END IF;
END
$$;
