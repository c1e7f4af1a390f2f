-- find_user: the user p_id, for the holder of a token: 'unauthenticated' without a usable token,
-- 'not_found' when the token is another user's (a user the caller may not see answers as one
-- that does not exist).
CREATE OR REPLACE FUNCTION find_user(
  p_token_hash bytea, p_id integer,
  OUT status user_status, OUT id integer, OUT full_name text, OUT document text, OUT email text,
  OUT kind user_kind, OUT created_at text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  caller record;
BEGIN
  SELECT * INTO caller FROM token_caller(p_token_hash);
  IF caller.user_id IS NULL OR NOT caller.valid THEN
    status := 'unauthenticated';
  ELSIF caller.user_id <> p_id THEN
    status := 'not_found';
  ELSE
    status := 'ok';
    SELECT u.id, u.full_name, u.document, u.email, u.kind,
           to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
      INTO id, full_name, document, email, kind, created_at
      FROM users u WHERE u.id = p_id;
  END IF;
END
$$;
