-- Pix: an acknowledgement rewrites its message in place (a HOT update: no index entry, a few
-- bytes of WAL) instead of as a new ~600-byte version with a primary-key entry. Measured with
-- pg_stat_statements under load, the acknowledging UPDATE was the costliest statement of a pull.
--   - No index may name acked_at, not even in its predicate, for the update to be HOT: the
--     index of a stream's received messages loses its "acked_at IS NULL". The functions ask it
--     for one pull's messages only (stream_id, pull_no =), which stays a short range: what a
--     stream holds unacknowledged is its latest pull's (each pull acknowledges or gives back the
--     previous pull's).
--   - The new version must fit on the message's page: fillfactor 50 keeps half of each new page
--     free, which also lets a claim's new version stay on its page (no relation extension, the
--     pulls' main wait once they shared commits; HOT pruning reclaims the old versions).
ALTER TABLE pix_messages SET (fillfactor = 50);
DROP INDEX pix_messages_received;
CREATE INDEX pix_messages_received ON pix_messages (stream_id, pull_no) WHERE stream_id IS NOT NULL;
-- No stream holds unacknowledged messages of a pull before its latest; were one to, they become
-- available again rather than stay held where no function looks.
UPDATE pix_messages m SET stream_id = NULL, pull_no = NULL
  FROM pix_streams s
 WHERE m.stream_id = s.id AND m.acked_at IS NULL AND m.pull_no <> s.pull_seq;
