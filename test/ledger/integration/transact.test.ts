// transact() and transact_batch(): the atomic credit/debit rules, in Postgres itself.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { assertLedgerConsistent } from '../../helpers/ledger-invariant.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('transact');
});
after(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE transacoes');
  await db.pool.query('UPDATE clientes SET saldo = 0');
});

async function transact(clienteId: number, valor: number, tipo: string, descricao = 'x') {
  const { rows } = await db.pool.query('SELECT status, saldo::text, limite FROM transact($1, $2, $3, $4)', [clienteId, valor, tipo, descricao]);
  return { status: rows[0].status as string, saldo: Number(rows[0].saldo), limite: rows[0].limite as number };
}

async function saldoOf(clienteId: number): Promise<number> {
  const { rows } = await db.pool.query('SELECT saldo::text FROM clientes WHERE id = $1', [clienteId]);
  return Number(rows[0].saldo);
}

test('the five clients of the contract exist with balance 0, and client 6 does not', async () => {
  const { rows } = await db.pool.query('SELECT id, limite, saldo::int FROM clientes ORDER BY id');
  assert.deepEqual(rows, [
    { id: 1, limite: 100000, saldo: 0 },
    { id: 2, limite: 80000, saldo: 0 },
    { id: 3, limite: 1000000, saldo: 0 },
    { id: 4, limite: 10000000, saldo: 0 },
    { id: 5, limite: 500000, saldo: 0 },
  ]);
});

test('a credit raises the balance and records the transaction', async () => {
  assert.deepEqual(await transact(1, 1000, 'c', 'salario'), { status: 'ok', saldo: 1000, limite: 100000 });
  const { rows } = await db.pool.query('SELECT cliente_id, valor, tipo, descricao FROM transacoes');
  assert.deepEqual(rows, [{ cliente_id: 1, valor: 1000, tipo: 'c', descricao: 'salario' }]);
});

test('a debit may take the balance down to exactly -limite, never one cent below', async () => {
  assert.deepEqual(await transact(2, 80000, 'd'), { status: 'ok', saldo: -80000, limite: 80000 });
  assert.deepEqual(await transact(2, 1, 'd'), { status: 'limit_exceeded', saldo: -80000, limite: 80000 });
  assert.equal(await saldoOf(2), -80000);
  await assertLedgerConsistent(db.pool);
});

test('a refused debit changes nothing and records nothing', async () => {
  assert.equal((await transact(1, 100001, 'd')).status, 'limit_exceeded');
  assert.equal(await saldoOf(1), 0);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM transacoes');
  assert.equal(rows[0].n, 0);
});

test('an unknown client is reported, not created', async () => {
  const { rows: result } = await db.pool.query("SELECT status, saldo, limite FROM transact(6, 1, 'c', 'x')");
  assert.deepEqual(result, [{ status: 'client_not_found', saldo: null, limite: null }]);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM clientes WHERE id = 6');
  assert.equal(rows[0].n, 0);
});

test('a credit that would push the balance past 2^53 - 1 is refused, and the balance is unchanged', async () => {
  await db.pool.query('UPDATE clientes SET saldo = 9007199254740991 - 10 WHERE id = 3');
  assert.equal((await transact(3, 10, 'c')).status, 'ok');
  assert.deepEqual(await transact(3, 1, 'c'), { status: 'balance_overflow', saldo: 9007199254740991, limite: 1000000 });
  assert.equal(await saldoOf(3), 9007199254740991);
});

test('the limit rule is also a named constraint: no write can break it', async () => {
  await assert.rejects(db.pool.query('UPDATE clientes SET saldo = -100001 WHERE id = 1'), (error: { constraint?: string }) => error.constraint === 'clientes_saldo_within_limite');
});

test('inputs the service never sends raise a distinct SQLSTATE instead of being stored', async () => {
  for (const [valor, tipo] of [[0, 'c'], [-5, 'd'], [1, 'x']] as const) {
    await assert.rejects(transact(1, valor, tipo), (error: { code?: string }) => error.code === '22023', `${valor} ${tipo}`);
  }
  await assert.rejects(transact(1, 1, 'c', ''), (error: { code?: string }) => error.code === '23514');
  await assert.rejects(transact(1, 1, 'c', '12345678901'), (error: { code?: string }) => error.code === '22001');
  assert.equal(await saldoOf(1), 0, 'the failed calls rolled back their balance update');
});

test('descricao is stored exactly, counting code points', async () => {
  assert.equal((await transact(1, 1, 'c', '😀ção日本語😀ab')).status, 'ok');
  const { rows } = await db.pool.query('SELECT descricao FROM transacoes');
  assert.equal(rows[0].descricao, '😀ção日本語😀ab');
});

test('transact_batch returns one result per input, in input order, each applied in order', async () => {
  const { rows } = await db.pool.query(
    'SELECT status, saldo::int, limite FROM transact_batch($1, $2, $3, $4)',
    [[2, 1, 2, 6, 2], [80000, 5, 1, 1, 10], ['d', 'c', 'd', 'c', 'c'], ['a', 'b', 'c', 'd', 'e']],
  );
  assert.deepEqual(rows, [
    { status: 'ok', saldo: -80000, limite: 80000 },
    { status: 'ok', saldo: 5, limite: 100000 },
    { status: 'limit_exceeded', saldo: -80000, limite: 80000 },
    { status: 'client_not_found', saldo: null, limite: null },
    { status: 'ok', saldo: -79990, limite: 80000 },
  ]);
  const ledger = await assertLedgerConsistent(db.pool);
  assert.equal(ledger.reduce((n, c) => n + c.transactions, 0), 3);
});

test('transact_batch refuses arrays of different lengths', async () => {
  await assert.rejects(db.pool.query('SELECT * FROM transact_batch($1, $2, $3, $4)', [[1, 2], [1], ['c'], ['a']]), (error: { code?: string }) => error.code === '22023');
});

test('concurrent batches over the same clients in opposite orders never deadlock', async () => {
  const batches = Array.from({ length: 40 }, (_, i) => {
    const ids = i % 2 === 0 ? [1, 2, 3, 4, 5] : [5, 4, 3, 2, 1];
    return db.pool.query('SELECT * FROM transact_batch($1, $2, $3, $4)', [ids, [1, 1, 1, 1, 1], ['c', 'd', 'c', 'd', 'c'], ['a', 'b', 'c', 'd', 'e']]);
  });
  await Promise.all(batches); // a deadlock would reject one of them (40P01)
  const ledger = await assertLedgerConsistent(db.pool);
  assert.deepEqual(ledger.map((c) => c.saldo), [40, -40, 40, -40, 40]);
});

test('many parallel debits at the limit boundary: exactly those that fit succeed', async () => {
  // Client 2 has limite 80000: 400 debits of 250 exist, exactly 320 fit.
  const results = await Promise.all(
    Array.from({ length: 400 }, () => db.pool.query('SELECT status FROM transact(2, 250, $1, $2)', ['d', 'par'])),
  );
  const ok = results.filter((r) => r.rows[0].status === 'ok').length;
  assert.equal(ok, 320);
  assert.equal(results.length - ok, 80);
  assert.equal(await saldoOf(2), -80000);
  const ledger = await assertLedgerConsistent(db.pool);
  assert.equal(ledger[1]!.transactions, 320);
});

test('transact() and a transact_batch() of one item give the same outcome in every case', async () => {
  // [cliente, valor, tipo]: credit, debit to exactly -limite, debit past it, unknown client,
  // credit past 2^53 - 1 (the balance is set near it first).
  const cases: [number, number, string][] = [[1, 700, 'c'], [2, 80000, 'd'], [2, 1, 'd'], [6, 1, 'c'], [3, 11, 'c'], [3, 10, 'c']];
  const outcomes: Record<'single' | 'batch', unknown[]> = { single: [], batch: [] };
  const ledgers: Record<'single' | 'batch', unknown> = { single: undefined, batch: undefined };
  for (const kind of ['single', 'batch'] as const) {
    await db.pool.query('TRUNCATE transacoes');
    await db.pool.query('UPDATE clientes SET saldo = CASE id WHEN 3 THEN 9007199254740991 - 10 ELSE 0 END');
    for (const [clienteId, valor, tipo] of cases) {
      const { rows } = kind === 'single'
        ? await db.pool.query('SELECT status, saldo::text, limite FROM transact($1, $2, $3, $4)', [clienteId, valor, tipo, 'eq'])
        : await db.pool.query('SELECT status, saldo::text, limite FROM transact_batch($1, $2, $3, $4)', [[clienteId], [valor], [tipo], ['eq']]);
      outcomes[kind].push(rows[0]);
    }
    const { rows } = await db.pool.query('SELECT id, saldo::text FROM clientes ORDER BY id');
    ledgers[kind] = rows;
  }
  assert.deepEqual(outcomes.single.map((row) => (row as { status: string }).status), ['ok', 'ok', 'limit_exceeded', 'client_not_found', 'balance_overflow', 'ok']);
  assert.deepEqual(outcomes.single, outcomes.batch);
  assert.deepEqual(ledgers.single, ledgers.batch);
});

test('single calls and batches racing on one client: exactly those that fit succeed, numbered 1..n without gaps', async () => {
  await db.pool.query('TRUNCATE transacoes');
  await db.pool.query('UPDATE clientes SET saldo = 0, ultima_seq = 0 WHERE id = 2');
  // Client 2 has limite 80000: 200 single debits of 250 plus 50 batches of 4 such debits = 400
  // debits, of which exactly 320 fit.
  const singles = Array.from({ length: 200 }, () => db.pool.query("SELECT status FROM transact(2, 250, 'd', 'race')"));
  const batches = Array.from({ length: 50 }, () => db.pool.query('SELECT status FROM transact_batch($1, $2, $3, $4)', [[2, 2, 2, 2], [250, 250, 250, 250], ['d', 'd', 'd', 'd'], ['race', 'race', 'race', 'race']]));
  const statuses = (await Promise.all([...singles, ...batches])).flatMap((result) => result.rows.map((row) => row.status as string));
  assert.equal(statuses.length, 400);
  assert.equal(statuses.filter((status) => status === 'ok').length, 320);
  assert.equal(await saldoOf(2), -80000);
  const { rows } = await db.pool.query('SELECT min(seq)::int AS first, max(seq)::int AS last, count(*)::int AS n FROM transacoes WHERE cliente_id = 2');
  assert.deepEqual(rows[0], { first: 1, last: 320, n: 320 });
  const { rows: client } = await db.pool.query('SELECT ultima_seq::int FROM clientes WHERE id = 2');
  assert.equal(client[0].ultima_seq, 320);
  await assertLedgerConsistent(db.pool);
});
