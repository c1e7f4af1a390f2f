-- issue_token: stores a new token (its SHA-256) for a user whose password matched, unless the
-- user was deleted meanwhile, and clears the e-mail's failed logins. Returns true when issued.
CREATE OR REPLACE FUNCTION issue_token(p_user_id integer, p_token_hash bytea, p_ttl_s integer, p_email text)
RETURNS boolean
LANGUAGE sql AS $$
  WITH issued AS (
    INSERT INTO tokens (hash, user_id, expires_at)
    SELECT p_token_hash, u.id, now() + make_interval(secs => p_ttl_s) FROM users u
     WHERE u.id = p_user_id AND u.deleted_at IS NULL
    RETURNING 1
  ), cleared AS (
    DELETE FROM login_failures f WHERE f.email = lower(p_email) AND EXISTS (SELECT 1 FROM issued)
  )
  SELECT EXISTS (SELECT 1 FROM issued)
$$;
