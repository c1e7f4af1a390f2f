-- delete_user: deletes user p_id for the holder of its token. The row and the account stay (every
-- transfer stays in both statements); the user can no longer log in, send or receive, and all its
-- tokens are revoked in the same transaction, so they stop working at its commit. The account
-- row is locked first: a transfer running at the same time either commits before or sees the
-- deletion. With an Idempotency-Key the answer is stored (scope: the token's user).
CREATE OR REPLACE FUNCTION delete_user(
  p_token_hash bytea, p_id integer, p_key text, p_request_hash bytea,
  OUT status user_status, OUT replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  caller record;
  scope  text;
  idem   record;
BEGIN
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
    status := idem.outcome::user_status;
    replayed := true;
    RETURN;
  END IF;
  IF NOT caller.valid THEN
    status := 'unauthenticated';
    RETURN;
  END IF;
  IF caller.user_id <> p_id THEN
    status := 'not_found';
  ELSE
    PERFORM 1 FROM clientes c WHERE c.id = p_id FOR UPDATE;
    UPDATE users u SET deleted_at = clock_timestamp() WHERE u.id = p_id AND u.deleted_at IS NULL;
    UPDATE tokens t SET revoked_at = clock_timestamp() WHERE t.user_id = p_id AND t.revoked_at IS NULL;
    status := 'ok';
  END IF;
  PERFORM idempotency_finish(scope, p_key, p_request_hash, status::text, '{}'::jsonb);
END
$$;
