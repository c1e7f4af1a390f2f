-- pix_pull_batch: several pulls (of different streams, or of any ISPBs) in ONE transaction: one
-- round trip and one commit (one WAL flush) for all of them. Each pull is exactly pix_pull, with
-- its own arguments and outcome: a pull whose stream is gone answers 'stream_not_found' and the
-- others go on.
-- Under load a pull's time is mostly its wait for the WAL flush of its commit, so that sharing
-- one commit is what lets more pulls through per second. Pulls run in the order of their stream
-- ids, so that two batches naming the same streams lock them in the same order (no deadlock);
-- each result row carries `item`, the pull's 1-based position in the arrays it came in.
CREATE OR REPLACE FUNCTION pix_pull_batch(p_streams bigint[], p_ispbs text[], p_seens integer[], p_maxes integer[], p_holds interval[])
RETURNS TABLE (item integer, status pix_status, pull_no integer, claimed integer, messages text, acknowledged integer, expired integer)
LANGUAGE plpgsql AS $$
DECLARE
  i integer;
BEGIN
  IF cardinality(p_ispbs) IS DISTINCT FROM cardinality(p_streams) OR cardinality(p_seens) IS DISTINCT FROM cardinality(p_streams)
     OR cardinality(p_maxes) IS DISTINCT FROM cardinality(p_streams) OR cardinality(p_holds) IS DISTINCT FROM cardinality(p_streams) THEN
    RAISE EXCEPTION 'pix_pull_batch: the arrays must have one element per pull' USING ERRCODE = '22023';
  END IF;
  FOR i IN SELECT u.ord FROM unnest(p_streams) WITH ORDINALITY AS u(stream, ord) ORDER BY u.stream, u.ord LOOP
    item := i;
    SELECT p.status, p.pull_no, p.claimed, p.messages, p.acknowledged, p.expired
      INTO status, pull_no, claimed, messages, acknowledged, expired
      FROM pix_pull(p_streams[i], p_ispbs[i], p_seens[i], p_maxes[i], p_holds[i]) p;
    RETURN NEXT;
  END LOOP;
END
$$;
