-- idempotency_finish: stores the answer of a request that carried an Idempotency-Key, in the
-- transaction of its effect (a crash loses both or neither). Does nothing without a key.
CREATE OR REPLACE FUNCTION idempotency_finish(
  p_scope text, p_key text, p_request_hash bytea, p_outcome text, p_result jsonb)
RETURNS void
LANGUAGE sql AS $$
  INSERT INTO idempotency_keys (scope, key, request_hash, outcome, result)
  SELECT p_scope, p_key, p_request_hash, p_outcome, p_result WHERE p_key IS NOT NULL
$$;
