-- Billing: each file's debts in one contiguous seq range, and Idempotency-Key on uploads (part G).

-- No sequence cache: with merges serialized (billing_merge_staging takes an advisory lock), each
-- file's new debts get one contiguous seq range, so the jobs of two files never cover the same
-- debt (with a cache, a session's cached block could fall inside another file's range).
ALTER TABLE billing_debts ALTER COLUMN seq SET CACHE 1;

-- The key an upload was sent with (one scope: the billing routes have no caller identity). The
-- same key with the same bytes replays the answer; with other bytes it is 422; while its upload is
-- still receiving, 409. Kept with the file (at least the 24 h part G asks).
ALTER TABLE billing_files
  ADD COLUMN idempotency_key text
    CONSTRAINT billing_files_idempotency_key_unique UNIQUE
    CONSTRAINT billing_files_idempotency_key_printable CHECK (idempotency_key ~ '^[\x20-\x7e]{1,255}$');
