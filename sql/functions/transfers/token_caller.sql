-- token_caller: whose bearer token this is (by its SHA-256), and whether it is usable now: not
-- expired, not revoked, its user not deleted. A revoked token still names its user, so that a
-- request retried with its Idempotency-Key after the effect revoked the token (DELETE /users)
-- finds its first answer. No row for an unknown token.
CREATE OR REPLACE FUNCTION token_caller(p_token_hash bytea, OUT user_id integer, OUT valid boolean)
LANGUAGE sql STABLE AS $$
  SELECT t.user_id, (t.revoked_at IS NULL AND t.expires_at > now() AND u.deleted_at IS NULL)
    FROM tokens t JOIN users u ON u.id = t.user_id
   WHERE t.hash = p_token_hash
$$;
