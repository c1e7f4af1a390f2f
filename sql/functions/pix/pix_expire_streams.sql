-- pix_expire_streams: closes the streams whose lease ran out (nobody pulled them in time), of
-- one ISPB, or of every ISPB when p_ispb is NULL (the periodic sweep). Set-based: one DELETE of
-- the expired streams, skipping those a pull has locked right now (a stream being pulled is not
-- idle), and one UPDATE that makes their received-but-unacknowledged messages available again
-- (the only redelivery of part E). Notifies channel `pix` for each ISPB that got messages back,
-- so that waiting pulls claim them. Returns how many messages became available again.
CREATE OR REPLACE FUNCTION pix_expire_streams(p_ispb text)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  released integer;
  receivers text[];
  receiver text;
BEGIN
  WITH expired AS (
    DELETE FROM pix_streams s
     WHERE s.id IN (SELECT e.id FROM pix_streams e
                     WHERE (p_ispb IS NULL OR e.ispb = p_ispb) AND e.expires_at < clock_timestamp()
                       FOR UPDATE SKIP LOCKED)
    RETURNING s.id
  ), back AS (
    UPDATE pix_messages m SET stream_id = NULL, pull_no = NULL
      FROM expired e
     WHERE m.stream_id = e.id AND m.acked_at IS NULL
    RETURNING m.ispb AS ispb
  )
  SELECT count(*)::int, array_agg(DISTINCT b.ispb) INTO released, receivers FROM back b;
  IF released > 0 THEN
    FOREACH receiver IN ARRAY receivers LOOP
      PERFORM pg_notify('pix', receiver);
    END LOOP;
  END IF;
  RETURN released;
END
$$;
