-- billing_extend_job_lease: a worker still busy with a job moves its lease on, so that no other
-- worker claims it meanwhile. False when the claim is no longer this one's (the lease ran out and
-- the job was claimed again, or it is done): the caller stops working on it.
CREATE OR REPLACE FUNCTION billing_extend_job_lease(p_job_id bigint, p_attempts integer, p_lease_ms integer)
RETURNS boolean
LANGUAGE sql AS $$
  WITH extended AS (
    UPDATE billing_jobs j SET run_at = now() + make_interval(secs => p_lease_ms / 1000.0)
     WHERE j.id = p_job_id AND j.attempts = p_attempts AND j.state = 'pending'
    RETURNING 1
  )
  SELECT EXISTS (SELECT 1 FROM extended);
$$;
