-- record_notification_attempts: the outcome of claimed attempts, in one statement. Delivered ->
-- 'delivered'. Failed -> due again after an exponential backoff with jitter, p_base_ms * 2^(n-1)
-- capped at p_cap_ms, times a random factor in [0.5, 1); or 'dead' once the attempt was the
-- p_max_attempts-th. A failure is recorded only for the claim that made it (same attempt count):
-- a lease that ran out and was claimed again by another worker is that worker's to record.
-- Returns how many became dead.
CREATE OR REPLACE FUNCTION record_notification_attempts(
  p_ids uuid[], p_attempts integer[], p_delivered boolean[], p_errors text[],
  p_max_attempts integer, p_base_ms integer, p_cap_ms integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  died integer;
BEGIN
  WITH r AS (
    SELECT * FROM unnest(p_ids, p_attempts, p_delivered, p_errors) AS r(id, attempts, delivered, error)
  ), updated AS (
    UPDATE notifications n SET
      state        = CASE WHEN r.delivered THEN 'delivered' WHEN n.attempts >= p_max_attempts THEN 'dead' ELSE 'pending' END::notification_state,
      delivered_at = CASE WHEN r.delivered THEN now() END,
      dead_at      = CASE WHEN NOT r.delivered AND n.attempts >= p_max_attempts THEN now() END,
      last_error   = CASE WHEN r.delivered THEN n.last_error ELSE left(r.error, 200) END,
      run_at       = CASE WHEN r.delivered THEN n.run_at ELSE now() + make_interval(secs =>
                       least(p_cap_ms::float8, p_base_ms * 2 ^ least(n.attempts - 1, 40)) * (0.5 + random() / 2) / 1000.0) END
      FROM r
     WHERE n.id = r.id AND n.state = 'pending' AND (r.delivered OR n.attempts = r.attempts)
    RETURNING n.state
  )
  SELECT count(*) FILTER (WHERE u.state = 'dead') INTO died FROM updated u;
  RETURN died;
END
$$;
