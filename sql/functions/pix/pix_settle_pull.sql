-- pix_settle_pull: settles what stream p_stream holds unacknowledged, which is always its latest
-- pull's (p_pull_no): every pull settles the one before it, and so does the DELETE. When that
-- pull's answer was received (p_received: the collector names it in its next interationId) its
-- messages are acknowledged, for good, in place (a HOT update: migration 0006); when it was not
-- (the collector pulls again with an older number: the answer was lost) they become available
-- again. Returns how many were acknowledged and how many given back.
CREATE OR REPLACE FUNCTION pix_settle_pull(p_stream bigint, p_pull_no integer, p_received boolean,
  OUT acknowledged integer, OUT released integer)
LANGUAGE plpgsql AS $$
BEGIN
  acknowledged := 0;
  released := 0;
  IF p_received THEN
    UPDATE pix_messages m SET acked_at = clock_timestamp()
     WHERE m.stream_id = p_stream AND m.pull_no = p_pull_no AND m.acked_at IS NULL;
    GET DIAGNOSTICS acknowledged = ROW_COUNT;
  ELSE
    UPDATE pix_messages m SET stream_id = NULL, pull_no = NULL
     WHERE m.stream_id = p_stream AND m.pull_no = p_pull_no AND m.acked_at IS NULL;
    GET DIAGNOSTICS released = ROW_COUNT;
  END IF;
END
$$;
