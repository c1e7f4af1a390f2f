-- billing_merge_staging: the end of an upload's import transaction. The caller has COPYed the
-- file's rows into the session's temporary table billing_staging (valid rows typed, invalid ones
-- with their line and reason) and knows the file's SHA-256. In the same transaction:
-- - the same bytes already imported (by a committed file, or by one committing now: the unique
--   constraint waits for it) -> this upload's receiving record is removed and the first file's id
--   returned with status 'duplicate_file': nothing else changes;
-- - otherwise every valid row goes into billing_debts in one INSERT ... SELECT (a debtId already
--   there, or earlier in the file, is a duplicate: skipped, the first line wins),
--   the invalid rows into billing_invalid_rows, boletos jobs over the new debts' seq range
--   (p_batch debts each), and the record gets its counts and 'processing' ('done' when nothing
--   was imported). Returns status 'imported' and the file's id.
CREATE OR REPLACE FUNCTION billing_merge_staging(p_file_id uuid, p_sha256 bytea, p_bytes bigint, p_batch integer)
RETURNS TABLE (status text, file_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
  v_first uuid;
  v_rows integer;
  v_invalid integer;
  v_imported integer;
  v_min bigint;
  v_max bigint;
BEGIN
  BEGIN
    UPDATE billing_files f SET sha256 = p_sha256 WHERE f.id = p_file_id AND f.status = 'receiving';
  EXCEPTION WHEN unique_violation THEN
    v_first := NULL;
  END;
  SELECT f.id INTO v_first FROM billing_files f WHERE f.sha256 = p_sha256 AND f.id <> p_file_id;
  IF v_first IS NOT NULL THEN
    DELETE FROM billing_files f WHERE f.id = p_file_id;
    RETURN QUERY SELECT 'duplicate_file'::text, v_first;
    RETURN;
  END IF;

  -- One merge at a time: each file's new debts take one contiguous seq range, and the jobs of two
  -- files never overlap (an e-mail job's debts are no other job's). Held until the commit.
  PERFORM pg_advisory_xact_lock(hashtext('billing_merge_staging'));
  -- A debtId already in billing_debts, or earlier in the file, is a duplicate (the first line
  -- wins). Found by an anti-join rather than ON CONFLICT DO NOTHING: its speculative insertion
  -- costs a second index probe and an extra WAL record per row (bench/RESULTS.md, "Billing
  -- import": the merge phase of npm run bench:billing, side by side). Correct
  -- because merges are serialized by the lock above, taken before this statement's snapshot: every
  -- earlier file's debts are committed and visible here; the primary key still refuses anything
  -- else (an error, never a silent second row).
  WITH inserted AS (
    INSERT INTO billing_debts (debt_id, file_id, line, name, government_id, email, amount_cents, due_date)
    SELECT DISTINCT ON (s.debt_id) s.debt_id, p_file_id, s.line, s.name, s.government_id, s.email, s.amount_cents, s.due_date
      FROM billing_staging s
     WHERE s.reason IS NULL
       AND NOT EXISTS (SELECT 1 FROM billing_debts d WHERE d.debt_id = s.debt_id)
      -- In key order: the primary key grows by its right edge instead of at random places (measured
      -- ~1.5x faster for 1.1M rows); within one key the first line wins.
     ORDER BY s.debt_id, s.line
    RETURNING seq
  )
  SELECT count(*)::int, min(seq), max(seq) INTO v_imported, v_min, v_max FROM inserted;

  INSERT INTO billing_invalid_rows (file_id, line, reason)
  SELECT p_file_id, s.line, s.reason FROM billing_staging s WHERE s.reason IS NOT NULL;
  SELECT count(*)::int, count(*) FILTER (WHERE s.reason IS NOT NULL)::int INTO v_rows, v_invalid FROM billing_staging s;

  IF v_imported > 0 THEN
    INSERT INTO billing_jobs (kind, seq_from, seq_to)
    SELECT 'boletos', g, least(g + p_batch - 1, v_max) FROM generate_series(v_min, v_max, p_batch) g;
  END IF;

  UPDATE billing_files f SET
    status = CASE WHEN v_imported = 0 THEN 'done' ELSE 'processing' END::billing_file_status,
    rows = v_rows, imported = v_imported, duplicates = v_rows - v_invalid - v_imported, invalid = v_invalid,
    bytes_received = p_bytes, imported_at = now(), updated_at = now(),
    done_at = CASE WHEN v_imported = 0 THEN now() END
   WHERE f.id = p_file_id;
  RETURN QUERY SELECT 'imported'::text, p_file_id;
END
$$;
