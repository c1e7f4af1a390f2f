-- The transfers module's tables: users (each owns one account of the ledger, whose id is the
-- user's id), their bearer tokens, the failed-login window, transfers, the durable notification
-- queue, and the idempotency keys every POST/DELETE may carry (part G). Logged tables: a 2xx must
-- survive a crash. The functions that use them live in sql/functions/transfers/, one file each.

-- User ids come from their own sequence, far above the open Rinha accounts (1-5; every id below
-- 1000 is reserved for open accounts), and stay within 9 digits so that a statement line naming
-- the counterpart ('>123456789') fits descricao's 10 characters.
CREATE SEQUENCE users_id_seq AS integer START WITH 1000 MINVALUE 1000 MAXVALUE 999999999;

CREATE TYPE user_kind AS ENUM ('common', 'merchant');

CREATE TABLE users (
  id            integer     PRIMARY KEY DEFAULT nextval('users_id_seq')
                            CONSTRAINT users_account_fkey REFERENCES clientes (id),
  full_name     text        NOT NULL CONSTRAINT users_full_name_length CHECK (char_length(full_name) BETWEEN 1 AND 200),
  -- Digits only: 11 (CPF) for common users, 14 (CNPJ) for merchants. Check digits are verified
  -- by the service before the insert.
  document      text        NOT NULL,
  email         text        NOT NULL CONSTRAINT users_email_length CHECK (char_length(email) BETWEEN 3 AND 254),
  -- scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>: never the password itself.
  password_hash text        NOT NULL,
  kind          user_kind   NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Set once when the user is deleted; the row and its history stay.
  deleted_at    timestamptz,
  CONSTRAINT users_id_range CHECK (id BETWEEN 1000 AND 999999999),
  CONSTRAINT users_document_matches_kind CHECK (
    (kind = 'common' AND document ~ '^[0-9]{11}$') OR (kind = 'merchant' AND document ~ '^[0-9]{14}$')),
  -- Unique by the database, so that two racing registrations give one 201 and one 409. Kept
  -- after deletion: a document or e-mail names one user forever.
  CONSTRAINT users_document_unique UNIQUE (document)
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

-- Bearer tokens: only the SHA-256 of the 32 random bytes handed out is stored.
CREATE TABLE tokens (
  hash       bytea       PRIMARY KEY CONSTRAINT tokens_hash_sha256 CHECK (octet_length(hash) = 32),
  user_id    integer     NOT NULL CONSTRAINT tokens_user_id_fkey REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX tokens_user_id ON tokens (user_id);

-- Failed logins per e-mail (lower-cased) within a window: past the limit the e-mail is answered
-- 429 until the window ends; a success or the window's end clears it. Never a permanent lock.
CREATE TABLE login_failures (
  email        text        PRIMARY KEY,
  window_start timestamptz NOT NULL,
  failures     integer     NOT NULL CONSTRAINT login_failures_positive CHECK (failures > 0)
);

CREATE TABLE transfers (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payer      integer     NOT NULL CONSTRAINT transfers_payer_fkey REFERENCES users (id),
  payee      integer     NOT NULL CONSTRAINT transfers_payee_fkey REFERENCES users (id),
  value      integer     NOT NULL CONSTRAINT transfers_value_positive CHECK (value > 0),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT transfers_payer_not_payee CHECK (payer <> payee)
);

-- The durable notification queue, written in the transfer's own transaction. A worker claims due
-- rows with FOR UPDATE SKIP LOCKED and moves run_at forward by a lease: a worker killed
-- mid-delivery leaves the row due again when the lease ends, and another worker takes it.
CREATE TYPE notification_state AS ENUM ('pending', 'delivered', 'dead');

CREATE TABLE notifications (
  -- Sent as the Idempotency-Key header of every attempt: stable across retries and workers.
  id           uuid               PRIMARY KEY DEFAULT gen_random_uuid(),
  transfer_id  bigint             NOT NULL CONSTRAINT notifications_transfer_id_unique UNIQUE
                                  CONSTRAINT notifications_transfer_id_fkey REFERENCES transfers (id),
  state        notification_state NOT NULL DEFAULT 'pending',
  attempts     integer            NOT NULL DEFAULT 0 CONSTRAINT notifications_attempts_non_negative CHECK (attempts >= 0),
  -- When the next attempt is due (a claim moves it past the lease).
  run_at       timestamptz        NOT NULL DEFAULT now(),
  last_error   text,
  created_at   timestamptz        NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  dead_at      timestamptz,
  CONSTRAINT notifications_delivered_has_time CHECK ((state = 'delivered') = (delivered_at IS NOT NULL)),
  CONSTRAINT notifications_dead_has_time CHECK ((state = 'dead') = (dead_at IS NOT NULL))
);
CREATE INDEX notifications_due ON notifications (run_at) WHERE state = 'pending';
CREATE INDEX notifications_dead ON notifications (dead_at) WHERE state = 'dead';

-- Idempotency keys (part G): one row per (caller scope, key), written in the same transaction as
-- the effect it answers for. `outcome` and `result` are what the answer is rebuilt from on a
-- replay (the transfer's id, the user's id, a balance): the same serializer writes both answers.
CREATE TABLE idempotency_keys (
  scope        text        NOT NULL,
  key          text        NOT NULL CONSTRAINT idempotency_keys_key_printable CHECK (key ~ '^[\x20-\x7e]{1,255}$'),
  request_hash bytea       NOT NULL CONSTRAINT idempotency_keys_request_hash_sha256 CHECK (octet_length(request_hash) = 32),
  outcome      text        NOT NULL,
  result       jsonb       NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Expected outcomes of the module's functions, mapped to HTTP in src/kernel/error-status.ts.
CREATE TYPE transfer_status AS ENUM (
  'ok', 'unauthenticated', 'token_not_payer', 'payer_is_merchant', 'payer_not_found', 'payee_not_found',
  'insufficient_balance', 'balance_overflow', 'key_in_progress', 'key_reused');
CREATE TYPE user_status AS ENUM (
  'ok', 'unauthenticated', 'not_found', 'document_taken', 'email_taken', 'key_in_progress', 'key_reused');
-- The Rinha credit/debit with an Idempotency-Key (account_transact_as_caller) adds two outcomes.
ALTER TYPE transact_status ADD VALUE 'key_in_progress';
ALTER TYPE transact_status ADD VALUE 'key_reused';
