-- billing_record_emails: the outcomes of e-mail attempts, in one statement per call. Sent ->
-- email_sent. Refused for good (p_permanent: an SMTP 5xx) or failed for the p_max_attempts-th
-- time -> email_failed. Otherwise due again after an exponential backoff with jitter,
-- p_base_ms * 2^(n-1) capped at p_cap_ms, times a random factor in [0.5, 1). Only debts still
-- boleto_issued change (an outcome is recorded once). The files' counters move with them, and a
-- file whose every imported debt is settled becomes 'done'. Returns how many were recorded.
CREATE OR REPLACE FUNCTION billing_record_emails(
  p_seqs bigint[], p_sent boolean[], p_permanent boolean[], p_errors text[],
  p_max_attempts integer, p_base_ms integer, p_cap_ms integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_recorded integer;
BEGIN
  WITH r AS (
    SELECT * FROM unnest(p_seqs, p_sent, p_permanent, p_errors) AS r(seq, sent, permanent, error)
  ), updated AS (
    UPDATE billing_debts d SET
      email_attempts = d.email_attempts + 1,
      state = CASE WHEN r.sent THEN 'email_sent'
                   WHEN r.permanent OR d.email_attempts + 1 >= p_max_attempts THEN 'email_failed'
                   ELSE 'boleto_issued' END::billing_debt_state,
      email_sent_at = CASE WHEN r.sent THEN now() END,
      last_error = CASE WHEN r.sent THEN d.last_error ELSE left(r.error, 200) END,
      email_due_at = CASE WHEN r.sent THEN d.email_due_at ELSE now() + make_interval(secs =>
                       least(p_cap_ms::float8, p_base_ms * 2 ^ least(d.email_attempts, 40)) * (0.5 + random() / 2) / 1000.0) END
      FROM r
     WHERE d.seq = r.seq AND d.state = 'boleto_issued'
    RETURNING d.file_id, d.state
  ), per_file AS (
    SELECT u.file_id, count(*) FILTER (WHERE u.state = 'email_sent')::int AS sent,
           count(*) FILTER (WHERE u.state = 'email_failed')::int AS failed, count(*)::int AS n
      FROM updated u GROUP BY u.file_id
  ), counted AS (
    UPDATE billing_files f SET
      emails_sent = f.emails_sent + p.sent,
      emails_failed = f.emails_failed + p.failed,
      status = CASE WHEN f.emails_sent + p.sent + f.emails_failed + p.failed >= f.imported THEN 'done' ELSE f.status END::billing_file_status,
      done_at = CASE WHEN f.emails_sent + p.sent + f.emails_failed + p.failed >= f.imported THEN coalesce(f.done_at, now()) END
      FROM per_file p WHERE f.id = p.file_id
    RETURNING p.n
  )
  SELECT coalesce(sum(c.n), 0)::int INTO v_recorded FROM counted c;
  RETURN v_recorded;
END
$$;
