-- account_statement_as_caller: account_statement() for a user's account, served only with its
-- owner's usable token, checked in the same query that reads the statement. No row when the
-- account does not exist or the caller may not see it (both answer 404).
CREATE OR REPLACE FUNCTION account_statement_as_caller(p_token_hash bytea, p_cliente_id integer)
RETURNS TABLE (
  saldo bigint, limite integer, data_extrato text,
  valor integer, tipo text, descricao text, realizada_em text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
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
     AND (is_open_account(c.id) OR EXISTS (
           SELECT 1 FROM tokens k JOIN users u ON u.id = k.user_id
            WHERE k.hash = p_token_hash AND k.user_id = c.id
              AND k.revoked_at IS NULL AND k.expires_at > now() AND u.deleted_at IS NULL))
   ORDER BY t.seq DESC;
END
$$;
