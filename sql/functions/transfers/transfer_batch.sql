-- transfer_batch: many transfers WITHOUT an Idempotency-Key in ONE transaction and one commit (one
-- WAL flush), in array order, one result row per input in the same order: what natural batching
-- sends under load (the transfers' twin of the ledger's transact_batch; keyed transfers go through
-- transfer(), one each). Set-based, so that a transfer costs a share of a few statements instead
-- of transfer()'s dozen: every account of the batch is locked once, in id order (two batches, or a
-- batch and a transfer(), never deadlock), and read with its user and the batch's tokens; the
-- items are applied in order in memory with exactly transfer()'s checks and outcomes (a later
-- item sees the earlier ones' balances; a refused item changes nothing and does not affect the
-- others); then one UPDATE writes the balances and one INSERT each the transfers, their statement
-- lines and their notifications. Inputs the service never sends (arrays of different lengths, a
-- value <= 0, payer = payee) raise SQLSTATE 22023.
CREATE OR REPLACE FUNCTION transfer_batch(
  p_token_hashes bytea[], p_payers integer[], p_payees integer[], p_values integer[])
RETURNS TABLE (status transfer_status, id bigint, payer integer, payee integer, value integer,
               created_at text, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  n          integer := cardinality(p_payers);
  ids        integer[];    -- the batch's accounts, ascending, locked
  balances   bigint[];     -- kept current as items apply
  limits     integer[];
  last_seqs  bigint[];
  kinds      user_kind[];  -- NULL: no such user, or deleted
  hashes     bytea[];      -- the batch's known tokens
  holders    integer[];
  usable     boolean[];
  statuses   transfer_status[] := '{}';
  payer_seqs bigint[] := '{}';
  payee_seqs bigint[] := '{}';
  kp integer; kq integer; kt integer;
  moved_ids  bigint[];
  accepted   integer;
  at         timestamptz := clock_timestamp();
  at_text    text;
BEGIN
  IF n IS NULL OR cardinality(p_token_hashes) IS DISTINCT FROM n OR cardinality(p_payees) IS DISTINCT FROM n
     OR cardinality(p_values) IS DISTINCT FROM n THEN
    RAISE EXCEPTION 'transfer_batch: the four arrays must have the same length' USING ERRCODE = '22023';
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(p_payers, p_payees, p_values) AS x(a, b, v)
              WHERE x.v IS NULL OR x.v <= 0 OR x.a IS NULL OR x.b IS NULL OR x.a = x.b) THEN
    RAISE EXCEPTION 'transfer_batch: value must be positive and payer differ from payee' USING ERRCODE = '22023';
  END IF;

  SELECT array_agg(c.id ORDER BY c.id), array_agg(c.saldo ORDER BY c.id), array_agg(c.limite ORDER BY c.id),
         array_agg(c.ultima_seq ORDER BY c.id)
    INTO ids, balances, limits, last_seqs
    FROM (SELECT x.id, x.saldo, x.limite, x.ultima_seq FROM clientes x
           WHERE x.id = ANY (p_payers || p_payees) ORDER BY x.id FOR UPDATE) c;
  -- Read after the locks: a deletion locks the account too, so these are current.
  SELECT array_agg(CASE WHEN u.deleted_at IS NULL THEN u.kind END ORDER BY i.id)
    INTO kinds
    FROM unnest(ids) AS i(id) LEFT JOIN users u ON u.id = i.id;
  SELECT array_agg(t.hash), array_agg(t.user_id), array_agg(t.revoked_at IS NULL AND t.expires_at > now() AND u.deleted_at IS NULL)
    INTO hashes, holders, usable
    FROM tokens t JOIN users u ON u.id = t.user_id
   WHERE t.hash = ANY (p_token_hashes);

  FOR i IN 1 .. n LOOP
    kt := array_position(hashes, p_token_hashes[i]);
    kp := array_position(ids, p_payers[i]);
    kq := array_position(ids, p_payees[i]);
    IF kt IS NULL OR NOT usable[kt] THEN
      statuses[i] := 'unauthenticated';
    ELSIF holders[kt] <> p_payers[i] THEN
      statuses[i] := 'token_not_payer';
    ELSIF kp IS NULL OR kinds[kp] IS NULL THEN
      statuses[i] := 'payer_not_found';
    ELSIF kq IS NULL OR kinds[kq] IS NULL THEN
      statuses[i] := 'payee_not_found';
    ELSIF kinds[kp] = 'merchant' THEN
      statuses[i] := 'payer_is_merchant';
    ELSIF balances[kq] + p_values[i] > max_balance() THEN
      statuses[i] := 'balance_overflow';
    ELSIF balances[kp] - p_values[i] < -limits[kp] THEN
      statuses[i] := 'insufficient_balance';
    ELSE
      statuses[i] := 'ok';
      balances[kp] := balances[kp] - p_values[i];
      balances[kq] := balances[kq] + p_values[i];
      last_seqs[kp] := last_seqs[kp] + 1;
      last_seqs[kq] := last_seqs[kq] + 1;
      payer_seqs[i] := last_seqs[kp];
      payee_seqs[i] := last_seqs[kq];
    END IF;
  END LOOP;

  SELECT count(*)::int INTO accepted FROM unnest(statuses) AS s(v) WHERE s.v = 'ok';
  IF accepted > 0 THEN
    UPDATE clientes c SET saldo = x.saldo, ultima_seq = x.seq
      FROM unnest(ids, balances, last_seqs) AS x(id, saldo, seq)
     WHERE c.id = x.id AND c.ultima_seq <> x.seq;
    -- The ids are drawn first, in item order, so that each result row gets its own.
    SELECT array_agg(nextval(pg_get_serial_sequence('transfers', 'id')) ORDER BY g) INTO moved_ids FROM generate_series(1, accepted) g;
    WITH ok AS (
      SELECT row_number() OVER (ORDER BY x.i) AS k, x.a, x.b, x.v, x.sa, x.sb
        FROM unnest(statuses, p_payers, p_payees, p_values, payer_seqs, payee_seqs) WITH ORDINALITY AS x(s, a, b, v, sa, sb, i)
       WHERE x.s = 'ok'
    ), moved AS (
      INSERT INTO transfers (id, payer, payee, value, created_at) OVERRIDING SYSTEM VALUE
      SELECT moved_ids[ok.k], ok.a, ok.b, ok.v, at FROM ok
      RETURNING transfers.id
    ), lines AS (
      INSERT INTO transacoes (cliente_id, valor, tipo, descricao, seq, realizada_em)
      SELECT ok.a, ok.v, 'd', '>' || ok.b, ok.sa, at FROM ok
      UNION ALL
      SELECT ok.b, ok.v, 'c', '<' || ok.a, ok.sb, at FROM ok
    )
    INSERT INTO notifications (transfer_id) SELECT m.id FROM moved m;
  END IF;

  at_text := to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  accepted := 0;
  FOR i IN 1 .. n LOOP
    status := statuses[i];
    replayed := false;
    IF status = 'ok' THEN
      accepted := accepted + 1;
      id := moved_ids[accepted];
      payer := p_payers[i];
      payee := p_payees[i];
      value := p_values[i];
      created_at := at_text;
    ELSE
      id := NULL; payer := NULL; payee := NULL; value := NULL; created_at := NULL;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
