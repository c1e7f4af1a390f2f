-- Billing import (spec part F): uploaded CSV files, their debts with a state each, the rows
-- refused, and the worker's batch jobs (boletos, then e-mails) over ranges of debts.

-- receiving: the upload is streaming in (the import transaction is open, nothing of it visible);
-- processing: committed, boletos and e-mails under way; done: every imported debt reached
-- email_sent or email_failed. A refused or interrupted upload leaves no record.
CREATE TYPE billing_file_status AS ENUM ('receiving', 'processing', 'done');

CREATE TABLE billing_files (
  id             uuid                PRIMARY KEY DEFAULT gen_random_uuid(),
  name           text                CONSTRAINT billing_files_name_length CHECK (length(name) <= 255),
  status         billing_file_status NOT NULL DEFAULT 'receiving',
  -- SHA-256 of the file's bytes (the CSV, not the multipart envelope); set in the import
  -- transaction, so a second upload of the same bytes meets the first one's committed record.
  sha256         bytea               CONSTRAINT billing_files_sha256_unique UNIQUE
                                     CONSTRAINT billing_files_sha256_length CHECK (octet_length(sha256) = 32),
  bytes_received bigint              NOT NULL DEFAULT 0,
  bytes_total    bigint,
  rows           integer             NOT NULL DEFAULT 0,
  imported       integer             NOT NULL DEFAULT 0,
  duplicates     integer             NOT NULL DEFAULT 0,
  invalid        integer             NOT NULL DEFAULT 0,
  boletos_issued integer             NOT NULL DEFAULT 0,
  emails_sent    integer             NOT NULL DEFAULT 0,
  emails_failed  integer             NOT NULL DEFAULT 0,
  created_at     timestamptz         NOT NULL DEFAULT now(),
  -- Moved by every progress report of the upload; a receiving record not moved for a while
  -- belongs to an instance that died mid-upload (the worker removes it).
  updated_at     timestamptz         NOT NULL DEFAULT now(),
  imported_at    timestamptz,
  done_at        timestamptz,
  CONSTRAINT billing_files_counts_non_negative CHECK (rows >= 0 AND imported >= 0 AND duplicates >= 0 AND invalid >= 0
                                                      AND boletos_issued >= 0 AND emails_sent >= 0 AND emails_failed >= 0),
  CONSTRAINT billing_files_counts_add_up CHECK (status = 'receiving' OR rows = imported + duplicates + invalid),
  CONSTRAINT billing_files_committed_has_hash CHECK (status = 'receiving' OR sha256 IS NOT NULL),
  CONSTRAINT billing_files_done_has_time CHECK ((status = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX billing_files_newest ON billing_files (created_at DESC);

-- imported -> boleto_issued -> email_sent, or email_failed (a permanent SMTP refusal, or
-- BILLING_EMAIL_MAX_ATTEMPTS transient failures).
CREATE TYPE billing_debt_state AS ENUM ('imported', 'boleto_issued', 'email_sent', 'email_failed');

-- fillfactor 60: a state change rewrites the row on its own page (a HOT update, no index entry),
-- since no indexed column changes.
CREATE TABLE billing_debts (
  debt_id        uuid               PRIMARY KEY,
  -- Insertion order: the workers' jobs are ranges of it, and it is the boleto's "nosso número".
  seq            bigint             GENERATED ALWAYS AS IDENTITY (CACHE 1000) CONSTRAINT billing_debts_seq_unique UNIQUE,
  -- No foreign key to billing_files: the file row is written in the same transaction as its
  -- debts (billing_merge_staging), and a per-row RI check would double the merge's time.
  file_id        uuid               NOT NULL,
  line           integer            NOT NULL,
  name           text               NOT NULL,
  government_id  text               NOT NULL,
  email          text               NOT NULL,
  amount_cents   bigint             NOT NULL CONSTRAINT billing_debts_amount_fits_boleto CHECK (amount_cents BETWEEN 1 AND 9999999999),
  due_date       date               NOT NULL,
  state          billing_debt_state NOT NULL DEFAULT 'imported',
  payment_line   text               CONSTRAINT billing_debts_payment_line_47_digits CHECK (payment_line ~ '^[0-9]{47}$'),
  email_attempts integer            NOT NULL DEFAULT 0,
  -- When the next e-mail attempt is due (after a transient failure's backoff).
  email_due_at   timestamptz        NOT NULL DEFAULT now(),
  last_error     text,
  boleto_at      timestamptz,
  email_sent_at  timestamptz,
  CONSTRAINT billing_debts_boleto_has_line CHECK ((state = 'imported') = (payment_line IS NULL)),
  CONSTRAINT billing_debts_sent_has_time CHECK ((state = 'email_sent') = (email_sent_at IS NOT NULL))
) WITH (fillfactor = 60);

CREATE TABLE billing_invalid_rows (
  file_id uuid    NOT NULL CONSTRAINT billing_invalid_rows_file_fkey REFERENCES billing_files (id) ON DELETE CASCADE,
  -- The CSV line where the row starts, the header being line 1.
  line    integer NOT NULL,
  reason  text    NOT NULL,
  CONSTRAINT billing_invalid_rows_pkey PRIMARY KEY (file_id, line)
);

-- The worker's queue: one job per range of debts, never one per debt. A boletos job covers
-- BILLING_BOLETO_BATCH debts and, once done, queues e-mail jobs over the same range. Claimed with
-- FOR UPDATE SKIP LOCKED and a lease (run_at moved past it), like the transfers' notifications.
CREATE TYPE billing_job_kind AS ENUM ('boletos', 'emails');
CREATE TYPE billing_job_state AS ENUM ('pending', 'done');

CREATE TABLE billing_jobs (
  id         bigint            GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind       billing_job_kind  NOT NULL,
  seq_from   bigint            NOT NULL,
  seq_to     bigint            NOT NULL,
  state      billing_job_state NOT NULL DEFAULT 'pending',
  attempts   integer           NOT NULL DEFAULT 0,
  run_at     timestamptz       NOT NULL DEFAULT now(),
  last_error text,
  CONSTRAINT billing_jobs_range_ordered CHECK (seq_from <= seq_to)
);
CREATE INDEX billing_jobs_due ON billing_jobs (run_at) WHERE state = 'pending';
