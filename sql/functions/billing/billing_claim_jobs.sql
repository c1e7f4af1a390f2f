-- billing_claim_jobs: the worker's claim of up to p_limit due jobs of one kind. SKIP LOCKED lets
-- several workers (and several loops of one) claim at once without waiting on each other; the
-- claim counts the attempt and moves run_at past a lease of p_lease_ms, so a job held by a killed
-- worker is due again when the lease ends, for any worker. The attempt count is the claim's
-- token: only the latest claim of a job may record its outcome.
CREATE OR REPLACE FUNCTION billing_claim_jobs(p_kind billing_job_kind, p_limit integer, p_lease_ms integer)
RETURNS TABLE (id bigint, seq_from bigint, seq_to bigint, attempts integer)
LANGUAGE sql AS $$
  WITH due AS (
    SELECT j.id FROM billing_jobs j
     WHERE j.state = 'pending' AND j.kind = p_kind AND j.run_at <= now()
     ORDER BY j.run_at, j.id
     LIMIT p_limit
       FOR UPDATE SKIP LOCKED
  )
  UPDATE billing_jobs j
     SET run_at = now() + make_interval(secs => p_lease_ms / 1000.0), attempts = j.attempts + 1
    FROM due WHERE j.id = due.id
  RETURNING j.id, j.seq_from, j.seq_to, j.attempts;
$$;
