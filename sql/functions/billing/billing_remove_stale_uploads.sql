-- billing_remove_stale_uploads: removes the receiving records of uploads whose instance stopped
-- reporting progress p_stale_s seconds ago (it died mid-upload: its import transaction rolled
-- back with the connection, so nothing else of the file exists). Returns how many.
CREATE OR REPLACE FUNCTION billing_remove_stale_uploads(p_stale_s integer)
RETURNS integer
LANGUAGE sql AS $$
  WITH removed AS (
    DELETE FROM billing_files f
     WHERE f.status = 'receiving' AND f.updated_at < now() - make_interval(secs => p_stale_s)
    RETURNING 1
  )
  SELECT count(*)::int FROM removed;
$$;
