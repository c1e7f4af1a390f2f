-- pix_generate_messages: creates p_count random messages for receiver p_ispb in ONE statement
-- (INSERT ... SELECT FROM generate_series), each rendered once as the compact JSON of part E, and
-- notifies channel `pix` with the ISPB as payload. NOTIFY is delivered at commit, so a waiting
-- pull on any instance is woken only once the messages can be claimed. Returns how many were
-- created. A count outside 1..10000 or an ISPB that is not 8 digits is a bug of the caller
-- (the service validates both): SQLSTATE 22023.
-- endToEndId: 'E' + the payer's ISPB + yyyyMMddHHmm (UTC) + 11 alphanumerics (the message id in
-- hexadecimal, upper case: unique by construction).
CREATE OR REPLACE FUNCTION pix_generate_messages(p_ispb text, p_count integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  names CONSTANT text[] := ARRAY['Ana Souza', 'Bruno Lima', 'Carla Dias', 'Diego Alves', 'Elisa Rocha', 'Fabio Nunes',
                                 'Gabriela Melo', 'Heitor Reis', 'Iara Costa', 'Joao Pires', 'Karen Lopes', 'Luis Matos'];
  created integer;
  -- One payment time for the whole call (its messages are created in one statement): formatted
  -- once, not twice per message (to_char was ~15% of the generator's time, measured in psql).
  paid_at CONSTANT timestamp := clock_timestamp() AT TIME ZONE 'UTC';
  paid_minute CONSTANT text := to_char(paid_at, 'YYYYMMDDHH24MI');
  paid_iso CONSTANT text := to_char(paid_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
BEGIN
  IF p_ispb IS NULL OR p_ispb !~ '^[0-9]{8}$' OR p_count IS NULL OR p_count < 1 OR p_count > 10000 THEN
    RAISE EXCEPTION 'pix_generate_messages: ispb must be 8 digits and count 1..10000' USING ERRCODE = '22023';
  END IF;

  WITH generated AS (
    SELECT nextval('pix_messages_id_seq') AS id,
           lpad((floor(random() * 100000000))::bigint::text, 8, '0') AS payer_ispb,
           random() AS r
      FROM generate_series(1, p_count)
  )
  -- Compact JSON, keys in the order of part E; to_json() quotes and escapes the texts.
  INSERT INTO pix_messages (id, ispb, body)
  SELECT g.id, p_ispb,
         '{"endToEndId":"E' || g.payer_ispb || paid_minute || upper(lpad(to_hex(g.id), 11, '0')) || '"'
      || ',"valor":' || ((1 + floor(g.r * 999999)) / 100)::numeric(12, 2)::text
      || ',"pagador":{"nome":' || to_json(names[1 + floor(random() * 12)::int])::text
      ||   ',"cpfCnpj":"' || lpad((floor(random() * 100000000000))::bigint::text, 11, '0')
      ||   '","ispb":"' || g.payer_ispb
      ||   '","agencia":"' || lpad((floor(random() * 10000))::int::text, 4, '0')
      ||   '","contaTransacional":"' || lpad((floor(random() * 10000000))::int::text, 7, '0')
      ||   '","tipoConta":"' || CASE WHEN random() < 0.5 THEN 'CACC' ELSE 'SVGS' END || '"}'
      || ',"recebedor":{"nome":' || to_json(names[1 + floor(random() * 12)::int])::text
      ||   ',"cpfCnpj":"' || lpad((floor(random() * 100000000000000))::bigint::text, 14, '0')
      ||   '","ispb":"' || p_ispb
      ||   '","agencia":"' || lpad((floor(random() * 10000))::int::text, 4, '0')
      ||   '","contaTransacional":"' || lpad((floor(random() * 10000000))::int::text, 7, '0')
      ||   '","tipoConta":"' || CASE WHEN random() < 0.5 THEN 'CACC' ELSE 'SVGS' END || '"}'
      || ',"campoLivre":' || to_json(CASE WHEN g.r < 0.5 THEN '' ELSE 'pagamento ' || g.id END)::text
      || ',"txId":"TX' || upper(md5(g.id::text || g.r::text))
      || '","dataHoraPagamento":"' || paid_iso || '"}'
    FROM generated g;
  GET DIAGNOSTICS created = ROW_COUNT;
  PERFORM pg_notify('pix', p_ispb);
  RETURN created;
END
$$;
