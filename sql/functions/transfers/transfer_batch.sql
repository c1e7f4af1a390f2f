-- transfer_batch: many transfers in ONE transaction and one commit (one WAL flush), in array
-- order, one result row per input in the same order: what natural batching sends under load
-- (the transfers' twin of the ledger's transact_batch). Every account of the batch is locked
-- first, once, in id order, so two batches (or a batch and a single transfer(), which locks its
-- two accounts in id order too) never deadlock. Then each item is exactly transfer(): the same
-- checks, outcomes, idempotency keys and notifications; a refused item changes nothing and does
-- not affect the others (a later item sees the earlier ones' balances). Arrays of different
-- lengths are a bug of the caller: SQLSTATE 22023.
CREATE OR REPLACE FUNCTION transfer_batch(
  p_token_hashes bytea[], p_payers integer[], p_payees integer[], p_values integer[],
  p_keys text[], p_request_hashes bytea[])
RETURNS TABLE (status transfer_status, id bigint, payer integer, payee integer, value integer,
               created_at text, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  n integer := cardinality(p_payers);
BEGIN
  IF n IS NULL OR cardinality(p_token_hashes) IS DISTINCT FROM n OR cardinality(p_payees) IS DISTINCT FROM n
     OR cardinality(p_values) IS DISTINCT FROM n OR cardinality(p_keys) IS DISTINCT FROM n
     OR cardinality(p_request_hashes) IS DISTINCT FROM n THEN
    RAISE EXCEPTION 'transfer_batch: the six arrays must have the same length' USING ERRCODE = '22023';
  END IF;
  PERFORM 1 FROM clientes c WHERE c.id = ANY (p_payers || p_payees) ORDER BY c.id FOR UPDATE;
  FOR i IN 1 .. n LOOP
    RETURN QUERY SELECT t.status, t.id, t.payer, t.payee, t.value, t.created_at, t.replayed
      FROM transfer(p_token_hashes[i], p_payers[i], p_payees[i], p_values[i], p_keys[i], p_request_hashes[i]) t;
  END LOOP;
END
$$;
