-- is_open_account: the accounts the Rinha endpoints serve without credentials. Every id below
-- 1000 is one (the five Rinha clients are 1-5); user accounts start at 1000 (users_id_range).
-- The service's fast path (src/ledger/client-id.ts isOpenAccountId) states the same bound.
-- IMMUTABLE: inlined by the planner.
CREATE OR REPLACE FUNCTION is_open_account(p_id integer) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_id < 1000;
