-- pix_close_stream: DELETE of a stream. Acknowledges what its latest pull claimed when p_seen
-- (the interationId's number) names that pull, else makes it available again (never received),
-- and closes the stream: its slot is free at once and its id answers 404 from now on.
-- 'stream_not_found' for an unknown, closed or expired stream, another ISPB's, or a p_seen
-- ahead of the stream. Returns the outcome and how many messages it acknowledged.
CREATE OR REPLACE FUNCTION pix_close_stream(p_stream bigint, p_ispb text, p_seen integer,
  OUT status pix_status, OUT acknowledged integer)
LANGUAGE plpgsql AS $$
DECLARE
  current_seq integer;
  released integer;
BEGIN
  acknowledged := 0;
  SELECT s.pull_seq INTO current_seq FROM pix_streams s
   WHERE s.id = p_stream AND s.ispb = p_ispb AND s.expires_at >= clock_timestamp() FOR UPDATE;
  IF NOT FOUND OR p_seen IS NULL OR p_seen < 0 OR p_seen > current_seq THEN
    status := 'stream_not_found';
    RETURN;
  END IF;
  SELECT settled.acknowledged, settled.released INTO acknowledged, released
    FROM pix_settle_pull(p_stream, current_seq, p_seen = current_seq) settled;
  DELETE FROM pix_streams s WHERE s.id = p_stream;
  IF released > 0 THEN
    PERFORM pg_notify('pix', p_ispb);
  END IF;
  status := 'ok';
END
$$;
