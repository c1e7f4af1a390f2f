-- login_begin: the first step of POST /auth/token, before the password is checked in the
-- service (scrypt): whether the e-mail is throttled (p_max_failures failed logins within the last
-- p_window_s seconds: answered 429 until that window ends, never for longer), and the user it
-- names (not deleted) with its password hash. No user: user_id NULL (the service still spends a
-- scrypt on a dummy hash, so both answers take as long).
CREATE OR REPLACE FUNCTION login_begin(
  p_email text, p_max_failures integer, p_window_s integer,
  OUT throttled boolean, OUT user_id integer, OUT password_hash text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  throttled := EXISTS (
    SELECT 1 FROM login_failures f
     WHERE f.email = lower(p_email) AND f.failures >= p_max_failures
       AND f.window_start > now() - make_interval(secs => p_window_s));
  SELECT u.id, u.password_hash INTO user_id, password_hash
    FROM users u WHERE lower(u.email) = lower(p_email) AND u.deleted_at IS NULL;
END
$$;
