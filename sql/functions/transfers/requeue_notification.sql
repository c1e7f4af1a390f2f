-- requeue_notification: an operator's re-queue of a dead notification (the admin route): due at
-- once, with a fresh attempt budget and the same id (the receiver's Idempotency-Key). False when
-- no dead notification has that id.
CREATE OR REPLACE FUNCTION requeue_notification(p_id uuid) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE notifications n SET state = 'pending', attempts = 0, run_at = now(), dead_at = NULL
   WHERE n.id = p_id AND n.state = 'dead';
  RETURN FOUND;
END
$$;
