-- idempotency_begin: the first step of every function that takes an Idempotency-Key (part G).
-- Takes a transaction-scoped advisory lock on (scope, key), so that while a first request with
-- that key runs, a second one is told 'running' at once (409) instead of waiting. With the lock,
-- reads the stored answer (a new statement: it sees every key committed before): 'new' when none,
-- 'replay' with its outcome and result when the request hash matches, 'mismatch' otherwise.
-- 'none' when no key was given. The caller writes the key with idempotency_finish() in the same
-- transaction as its effect.
CREATE OR REPLACE FUNCTION idempotency_begin(
  p_scope text, p_key text, p_request_hash bytea,
  OUT state text, OUT outcome text, OUT result jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  stored record;
BEGIN
  IF p_key IS NULL THEN
    state := 'none';
    RETURN;
  END IF;
  IF NOT pg_try_advisory_xact_lock(hashtextextended(p_scope || ' ' || p_key, 0)) THEN
    state := 'running';
    RETURN;
  END IF;
  SELECT k.request_hash, k.outcome, k.result INTO stored
    FROM idempotency_keys k WHERE k.scope = p_scope AND k.key = p_key;
  IF NOT FOUND THEN
    state := 'new';
  ELSIF stored.request_hash <> p_request_hash THEN
    state := 'mismatch';
  ELSE
    state := 'replay';
    outcome := stored.outcome;
    result := stored.result;
  END IF;
END
$$;
