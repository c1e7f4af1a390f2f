-- account_statement: the balance, the time of the query and the 10 newest transactions of one
-- client, newest first, as one query (one snapshot), reading the newest 10 by number (at most 10
-- index entries whatever plan is cached). No row when the client does not exist; one row with
-- NULL transaction columns when it has none yet. Times are formatted here, in UTC with
-- microseconds, because a JavaScript Date would drop the microseconds.
CREATE OR REPLACE FUNCTION account_statement(p_cliente_id integer)
RETURNS TABLE (
  saldo bigint, limite integer, data_extrato text,
  valor integer, tipo text, descricao text, realizada_em text)
LANGUAGE sql STABLE AS $$
  SELECT c.saldo, c.limite,
         to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         t.valor, t.tipo::text, t.descricao::text,
         to_char(t.realizada_em AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM clientes c
    LEFT JOIN LATERAL (
      SELECT x.seq, x.valor, x.tipo, x.descricao, x.realizada_em
        FROM transacoes x
       WHERE x.cliente_id = c.id AND x.seq > c.ultima_seq - 10) t ON true
   WHERE c.id = p_cliente_id
   ORDER BY t.seq DESC
$$;
