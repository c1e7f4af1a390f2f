-- claim_notifications: the worker's claim of up to p_limit due notifications. SKIP LOCKED lets
-- several workers claim at once without waiting on each other; the claim counts the attempt and
-- moves run_at past a lease of p_lease_ms, so a worker killed mid-delivery leaves the row due
-- again when the lease ends, for any worker. Returns what the POST to NOTIFY_URL names.
CREATE OR REPLACE FUNCTION claim_notifications(p_limit integer, p_lease_ms integer)
RETURNS TABLE (id uuid, attempts integer, transfer_id bigint, payer integer, payee integer, value integer, created_at text)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY
  WITH due AS (
    SELECT n.id FROM notifications n
     WHERE n.state = 'pending' AND n.run_at <= now()
     ORDER BY n.run_at
     LIMIT p_limit
       FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE notifications n
       SET run_at = now() + make_interval(secs => p_lease_ms / 1000.0), attempts = n.attempts + 1
      FROM due WHERE n.id = due.id
    RETURNING n.id, n.attempts, n.transfer_id
  )
  SELECT c.id, c.attempts, t.id, t.payer, t.payee, t.value,
         to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM claimed c JOIN transfers t ON t.id = c.transfer_id;
END
$$;
