-- create_user: registers a user and opens its account (same id, limite 0) in one transaction.
-- The document and the e-mail (case-insensitive) are unique by the database (users_document_unique,
-- users_email_unique): of two racing registrations one commits and the other waits on the index,
-- then gets 'document_taken' or 'email_taken' (409). The password arrives hashed (scrypt). With an
-- Idempotency-Key (scope 'anonymous:users'), a replay returns the first answer.
CREATE OR REPLACE FUNCTION create_user(
  p_full_name text, p_document text, p_email text, p_password_hash text, p_kind user_kind,
  p_key text, p_request_hash bytea,
  OUT status user_status, OUT id integer, OUT full_name text, OUT document text, OUT email text,
  OUT kind user_kind, OUT created_at text, OUT replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  scope     text := 'anonymous:users';
  idem      record;
  new_id    integer;
  violated  text;
BEGIN
  replayed := false;
  SELECT * INTO idem FROM idempotency_begin(scope, p_key, p_request_hash);
  IF idem.state = 'running' THEN
    status := 'key_in_progress';
    RETURN;
  ELSIF idem.state = 'mismatch' THEN
    status := 'key_reused';
    RETURN;
  ELSIF idem.state = 'replay' THEN
    status := idem.outcome::user_status;
    replayed := true;
    new_id := (idem.result ->> 'id')::integer;
  ELSE
    BEGIN
      new_id := nextval('users_id_seq');
      INSERT INTO clientes (id, limite) VALUES (new_id, 0);
      INSERT INTO users (id, full_name, document, email, password_hash, kind)
      VALUES (new_id, p_full_name, p_document, p_email, p_password_hash, p_kind);
      status := 'ok';
    EXCEPTION WHEN unique_violation THEN
      GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
      IF violated = 'users_document_unique' THEN
        status := 'document_taken';
      ELSIF violated = 'users_email_unique' THEN
        status := 'email_taken';
      ELSE
        RAISE;
      END IF;
      new_id := NULL;
    END;
    PERFORM idempotency_finish(scope, p_key, p_request_hash, status::text,
                               CASE WHEN status = 'ok' THEN jsonb_build_object('id', new_id) ELSE '{}'::jsonb END);
  END IF;
  IF status = 'ok' THEN
    SELECT u.id, u.full_name, u.document, u.email, u.kind,
           to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
      INTO id, full_name, document, email, kind, created_at
      FROM users u WHERE u.id = new_id;
  END IF;
END
$$;
