-- login_failed: counts one failed login for an e-mail (lower-cased) in its current window, or
-- starts a new window when the last one ended. Returns the failures in the window.
CREATE OR REPLACE FUNCTION login_failed(p_email text, p_window_s integer) RETURNS integer
LANGUAGE sql AS $$
  INSERT INTO login_failures AS f (email, window_start, failures) VALUES (lower(p_email), now(), 1)
  ON CONFLICT (email) DO UPDATE SET
    window_start = CASE WHEN f.window_start <= now() - make_interval(secs => p_window_s) THEN now() ELSE f.window_start END,
    failures     = CASE WHEN f.window_start <= now() - make_interval(secs => p_window_s) THEN 1 ELSE f.failures + 1 END
  RETURNING f.failures
$$;
