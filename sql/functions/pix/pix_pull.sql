-- pix_pull: one pull of stream p_stream of ISPB p_ispb, in one round trip. p_seen is the number
-- of the last pull whose answer the collector received (the number in the interationId it
-- pulls with: 0 right after the start). In this order:
--   1. the ISPB's expired streams are closed (pix_expire_streams);
--   2. the stream is locked; unknown, closed, expired, of another ISPB, or p_seen ahead of the
--      stream: 'stream_not_found';
--   3. what the stream's latest pull claimed is acknowledged, for good, when p_seen names that
--      pull (in place: migration 0006); when p_seen is older, that answer was never received
--      (the collector pulls again: it was lost) and those messages become available again;
--   4. up to p_max available messages of the ISPB, oldest first, are claimed for pull
--      p_seen + 1 with FOR UPDATE SKIP LOCKED (concurrent pulls of other streams skip each
--      other's rows instead of waiting: a message goes to exactly one stream);
--   5. the stream's lease is renewed to now() + p_hold.
-- Returns the outcome, the pull's number (the collector's next p_seen), how many messages it
-- claimed, their JSON joined with commas (NULL when none), how many it acknowledged, and how
-- many an expiry made available again.
CREATE OR REPLACE FUNCTION pix_pull(p_stream bigint, p_ispb text, p_seen integer, p_max integer, p_hold interval,
  OUT status pix_status, OUT pull_no integer, OUT claimed integer, OUT messages text, OUT acknowledged integer, OUT expired integer)
LANGUAGE plpgsql AS $$
DECLARE
  current_seq integer;
BEGIN
  expired := pix_expire_streams(p_ispb);
  SELECT s.pull_seq INTO current_seq FROM pix_streams s WHERE s.id = p_stream AND s.ispb = p_ispb FOR UPDATE;
  IF NOT FOUND OR p_seen IS NULL OR p_seen < 0 OR p_seen > current_seq THEN
    status := 'stream_not_found';
    claimed := 0;
    acknowledged := 0;
    RETURN;
  END IF;

  SELECT settled.acknowledged INTO acknowledged FROM pix_settle_pull(p_stream, current_seq, p_seen = current_seq) settled;

  pull_no := p_seen + 1;
  WITH picked AS (
    SELECT a.id FROM pix_messages a
     WHERE a.ispb = p_ispb AND a.stream_id IS NULL
     ORDER BY a.id
     LIMIT p_max
       FOR UPDATE SKIP LOCKED
  ), claimed_rows AS (
    UPDATE pix_messages m SET stream_id = p_stream, pull_no = p_seen + 1, deliveries = m.deliveries + 1
      FROM picked
     WHERE m.id = picked.id
    RETURNING m.id, m.body
  )
  SELECT count(*)::int, string_agg(c.body, ',' ORDER BY c.id) INTO claimed, messages FROM claimed_rows c;

  UPDATE pix_streams s SET pull_seq = p_seen + 1, expires_at = clock_timestamp() + p_hold WHERE s.id = p_stream;
  status := 'ok';
END
$$;
