-- billing_finish_email_job: after a worker went through an e-mail job's range. Debts of the range
-- still waiting (a transient failure's backoff) keep the job pending, due when the first of them
-- is; otherwise the job is done. Only the job's current claim (p_attempts) finishes it.
CREATE OR REPLACE FUNCTION billing_finish_email_job(p_job_id bigint, p_attempts integer)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  v_from bigint;
  v_to bigint;
  v_next timestamptz;
BEGIN
  SELECT j.seq_from, j.seq_to INTO v_from, v_to FROM billing_jobs j
   WHERE j.id = p_job_id AND j.attempts = p_attempts AND j.state = 'pending' FOR UPDATE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  SELECT min(d.email_due_at) INTO v_next FROM billing_debts d
   WHERE d.seq BETWEEN v_from AND v_to AND d.state = 'boleto_issued';
  IF v_next IS NULL THEN
    UPDATE billing_jobs j SET state = 'done' WHERE j.id = p_job_id;
  ELSE
    UPDATE billing_jobs j SET run_at = greatest(v_next, now()) WHERE j.id = p_job_id;
  END IF;
  RETURN true;
END
$$;
