-- pix_release_pull: the answer of pull p_pull_no of stream p_stream was never sent (the
-- collector went away while it was claimed): its messages become available again, and channel
-- `pix` is notified so that other waiting pulls of the ISPB claim them. Acknowledged messages
-- are never touched. Returns how many came back.
CREATE OR REPLACE FUNCTION pix_release_pull(p_stream bigint, p_pull_no integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  released integer;
  receiver text;
BEGIN
  WITH back AS (
    UPDATE pix_messages m SET stream_id = NULL, pull_no = NULL
     WHERE m.stream_id = p_stream AND m.pull_no = p_pull_no AND m.acked_at IS NULL
    RETURNING m.ispb AS ispb
  )
  SELECT count(*)::int, min(b.ispb) INTO released, receiver FROM back b;
  IF released > 0 THEN
    PERFORM pg_notify('pix', receiver);
  END IF;
  RETURN released;
END
$$;
