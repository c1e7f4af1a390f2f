-- billing_issue_boletos: the outcome of one boletos job, in one transaction. The worker computed
-- the payment lines of the job's imported debts (p_seqs, p_lines: src/billing/boleto.ts); each
-- such debt gets its line and becomes boleto_issued, the files' counters move, e-mail jobs of
-- p_email_batch debts are queued over the job's range, and the job is done. Only the job's
-- current claim (p_attempts) records: a stale claim changes nothing and gets -1. Returns the
-- number of boletos issued.
CREATE OR REPLACE FUNCTION billing_issue_boletos(p_job_id bigint, p_attempts integer, p_seqs bigint[], p_lines text[], p_email_batch integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_from bigint;
  v_to bigint;
  v_issued integer;
BEGIN
  UPDATE billing_jobs j SET state = 'done', last_error = NULL
   WHERE j.id = p_job_id AND j.attempts = p_attempts AND j.state = 'pending'
  RETURNING j.seq_from, j.seq_to INTO v_from, v_to;
  IF NOT FOUND THEN
    RETURN -1;
  END IF;

  WITH issued AS (
    UPDATE billing_debts d SET state = 'boleto_issued', payment_line = u.line, boleto_at = now()
      FROM unnest(p_seqs, p_lines) AS u(seq, line)
     WHERE d.seq = u.seq AND d.state = 'imported' AND d.seq BETWEEN v_from AND v_to
    RETURNING d.file_id
  ), per_file AS (
    SELECT i.file_id, count(*)::int AS n FROM issued i GROUP BY i.file_id
  ), counted AS (
    UPDATE billing_files f SET boletos_issued = f.boletos_issued + p.n FROM per_file p WHERE f.id = p.file_id
    RETURNING p.n
  )
  SELECT coalesce(sum(c.n), 0)::int INTO v_issued FROM counted c;

  INSERT INTO billing_jobs (kind, seq_from, seq_to)
  SELECT 'emails', g, least(g + p_email_batch - 1, v_to) FROM generate_series(v_from, v_to, p_email_batch) g;
  RETURN v_issued;
END
$$;
