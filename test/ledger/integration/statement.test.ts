// account_statement(): balance, time of the query and the 10 newest transactions, one snapshot.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('statement');
});
after(async () => {
  await db?.drop();
});

const ISO_MICROS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

test('a client without transactions has one row: balance, limit, time, and no transaction', async () => {
  const { rows } = await db.pool.query('SELECT saldo::int, limite, data_extrato, valor, tipo FROM account_statement(4)');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].saldo, 0);
  assert.equal(rows[0].limite, 10000000);
  assert.match(rows[0].data_extrato, ISO_MICROS_UTC);
  assert.equal(rows[0].valor, null);
});

test('an unknown client has no row', async () => {
  const { rows } = await db.pool.query('SELECT * FROM account_statement(6)');
  assert.equal(rows.length, 0);
});

test('at most the 10 newest transactions, newest first, even within the same instant', async () => {
  // One batch: all 12 rows share a transaction, so insertion order is the only tie-breaker.
  const n = 12;
  await db.pool.query('SELECT * FROM transact_batch($1, $2, $3, $4)', [
    Array(n).fill(5), Array.from({ length: n }, (_, i) => i + 1), Array(n).fill('c'), Array.from({ length: n }, (_, i) => `t${i + 1}`),
  ]);
  const { rows } = await db.pool.query('SELECT saldo::int, valor, tipo, descricao, realizada_em FROM account_statement(5)');
  assert.equal(rows.length, 10);
  assert.deepEqual(rows.map((r) => r.descricao), ['t12', 't11', 't10', 't9', 't8', 't7', 't6', 't5', 't4', 't3']);
  assert.equal(rows[0].saldo, (n * (n + 1)) / 2, 'the balance counts all transactions, not only those listed');
  for (const row of rows) assert.match(row.realizada_em, ISO_MICROS_UTC);
  const times = rows.map((r) => r.realizada_em);
  assert.deepEqual([...times].sort().reverse(), times, 'newest first by time too');
});

test('the balance is the one right after the newest listed transaction, even while writers run', async () => {
  let stop = false;
  let written = 0;
  const writers = Array.from({ length: 3 }, async () => {
    while (!stop) {
      const n = written++;
      // A unique descricao identifies the row; its id tells which transactions precede it.
      await db.pool.query('SELECT * FROM transact(3, $1, $2, $3)', [1 + (n % 7), n % 3 === 0 ? 'd' : 'c', n.toString(36)]);
    }
  });
  let checked = 0;
  for (let i = 0; i < 150; i++) {
    const { rows } = await db.pool.query('SELECT saldo::int, descricao FROM account_statement(3)');
    if (rows[0].descricao === null) continue;
    const { rows: prefix } = await db.pool.query(
      `SELECT sum(CASE tipo WHEN 'c' THEN valor ELSE -valor END)::int AS s FROM transacoes
        WHERE cliente_id = 3 AND id <= (SELECT id FROM transacoes WHERE cliente_id = 3 AND descricao = $1)`,
      [rows[0].descricao],
    );
    assert.equal(rows[0].saldo, prefix[0].s, `statement ${i}`);
    checked++;
  }
  stop = true;
  await Promise.all(writers);
  assert.ok(checked > 100, `checked ${checked} statements taken while writing`);
});

test('a statement touches at most 10 transactions, even with a plan cached while the table was empty', async () => {
  const fresh = await createTestDatabase('statement_plan');
  const client = await fresh.pool.connect();
  try {
    await client.query('SET plan_cache_mode = force_generic_plan');
    await client.query('PREPARE st(int) AS SELECT * FROM account_statement($1)');
    for (let i = 0; i < 6; i++) await client.query('EXECUTE st(1)'); // the plan is made on an empty table
    await client.query(`SELECT * FROM transact_batch(
      (SELECT array_agg(1 + i % 5) FROM generate_series(1, 5000) i), array_fill(1, ARRAY[5000]),
      array_fill('c'::text, ARRAY[5000]), array_fill('x'::text, ARRAY[5000]))`);
    const { rows } = await client.query('EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE st(1)');
    const touched: number[] = [];
    const walk = (node: any) => {
      if (/transacoes/.test(node['Relation Name'] ?? node['Index Name'] ?? '')) touched.push(node['Actual Rows'] * node['Actual Loops']);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(rows[0]['QUERY PLAN'][0].Plan);
    assert.ok(touched.length > 0, 'the plan reads transacoes');
    for (const count of touched) assert.ok(count <= 10, `a plan node produced ${count} rows of transacoes`);
  } finally {
    client.release();
    await fresh.drop();
  }
});
