-- pix_start_stream: opens a stream for p_ispb, holding the lowest free slot of 1..p_max_streams,
-- or answers 'stream_limit' when every slot is taken. Starts for one ISPB run one at a time
-- (a transaction-scoped advisory lock on the ISPB), and the unique (ispb, slot) backs the limit
-- up: however many starts race, at most p_max_streams streams are open. Expired streams of the
-- ISPB are closed first, so a collector that vanished loses its slot. The new stream's lease
-- runs until now() + p_hold (the long-poll wait plus PIX_STREAM_LEASE_S).
CREATE OR REPLACE FUNCTION pix_start_stream(p_ispb text, p_max_streams integer, p_hold interval,
  OUT status pix_status, OUT stream_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
  IF p_ispb IS NULL OR p_ispb !~ '^[0-9]{8}$' OR p_max_streams IS NULL OR p_max_streams < 1 THEN
    RAISE EXCEPTION 'pix_start_stream: ispb must be 8 digits and max_streams positive' USING ERRCODE = '22023';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('pix_streams'), hashtext(p_ispb));
  PERFORM pix_expire_streams(p_ispb);

  INSERT INTO pix_streams (ispb, slot, expires_at)
  SELECT p_ispb, free.slot, clock_timestamp() + p_hold
    FROM generate_series(1, p_max_streams) AS free (slot)
   WHERE NOT EXISTS (SELECT 1 FROM pix_streams s WHERE s.ispb = p_ispb AND s.slot = free.slot)
   ORDER BY free.slot
   LIMIT 1
  RETURNING id INTO stream_id;
  status := CASE WHEN stream_id IS NULL THEN 'stream_limit' ELSE 'ok' END;
END
$$;
