-- purge_expired: the worker's periodic clean-up: idempotency keys older than p_key_ttl_s (24 h:
-- part G keeps them at least that long), expired or revoked tokens past a day, and failed-login
-- windows that ended. Returns the rows removed.
CREATE OR REPLACE FUNCTION purge_expired(p_key_ttl_s integer, p_login_window_s integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  removed bigint := 0;
  n bigint;
BEGIN
  DELETE FROM idempotency_keys k WHERE k.created_at < now() - make_interval(secs => p_key_ttl_s);
  GET DIAGNOSTICS n = ROW_COUNT;
  removed := removed + n;
  DELETE FROM login_failures f WHERE f.window_start < now() - make_interval(secs => p_login_window_s);
  GET DIAGNOSTICS n = ROW_COUNT;
  removed := removed + n;
  DELETE FROM tokens t WHERE coalesce(t.revoked_at, t.expires_at) < now() - interval '1 day';
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN removed + n;
END
$$;
