-- max_balance: the largest balance an account may hold, 2^53 - 1 cents, so that a balance sent
-- as a JSON number reaches a JavaScript client exactly. The table's constraint
-- clientes_saldo_safe_integer states the same bound (a test keeps them equal); transact() and
-- transact_batch() check it before writing, so that an overflow is an outcome, not an error.
-- IMMUTABLE: the planner folds it to a constant.
CREATE OR REPLACE FUNCTION max_balance() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 9007199254740991;
