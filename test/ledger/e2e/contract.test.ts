// The public Rinha contract (docs/API.md, ledger), through nginx and both instances, including the
// official test's opening checks. Every answer read through helpers/http.ts is checked against the
// served OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertLedgerConsistent } from '../../helpers/ledger-invariant.js';
import { getStatement, postTransaction } from '../../helpers/http.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let env: TestStack;
before(async () => {
  env = await startTestStack('contract');
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  if (env) await assertLedgerConsistent(env.db.pool);
  await env?.stop();
});

const LIMITS: Record<number, number> = { 1: 100000, 2: 80000, 3: 1000000, 4: 10000000, 5: 500000 };
const ISO_MICROS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

test('25 concurrent debits of 1 show -25, then 25 concurrent credits of 1 show 0', async () => {
  const debits = await Promise.all(Array.from({ length: 25 }, () => postTransaction(env.url, 1, { valor: 1, tipo: 'd', descricao: 'debits' })));
  assert.ok(debits.every((r) => r.status === 200));
  assert.equal((await getStatement(env.url, 1)).json.saldo.total, -25);
  const credits = await Promise.all(Array.from({ length: 25 }, () => postTransaction(env.url, 1, { valor: 1, tipo: 'c', descricao: 'credits' })));
  assert.ok(credits.every((r) => r.status === 200));
  assert.equal((await getStatement(env.url, 1)).json.saldo.total, 0);
});

test('each client starts at 0 with its limit, and toma/devolve/danada are consistent (official opening)', async () => {
  await Promise.all(
    [2, 3, 4, 5].map(async (id) => {
      const initial = await getStatement(env.url, id);
      assert.equal(initial.status, 200);
      assert.equal(initial.json.saldo.limite, LIMITS[id]);
      assert.equal(initial.json.saldo.total, 0);
      assert.deepEqual(initial.json.ultimas_transacoes, []);

      const toma = await postTransaction(env.url, id, { valor: 1, tipo: 'c', descricao: 'toma' });
      assert.equal(toma.status, 200);
      assert.deepEqual(toma.json, { limite: LIMITS[id], saldo: 1 });
      const devolve = await postTransaction(env.url, id, { valor: 1, tipo: 'd', descricao: 'devolve' });
      assert.deepEqual(devolve.json, { limite: LIMITS[id], saldo: 0 });
      const statement = await getStatement(env.url, id);
      assert.deepEqual(statement.json.ultimas_transacoes.slice(0, 2).map((t: { descricao: string }) => t.descricao), ['devolve', 'toma']);

      const danada = await postTransaction(env.url, id, { valor: 1, tipo: 'c', descricao: 'danada' });
      assert.equal(danada.status, 200);
      const statements = await Promise.all(Array.from({ length: 4 }, () => getStatement(env.url, id)));
      for (const s of statements) {
        assert.equal(s.json.ultimas_transacoes[0].descricao, 'danada');
        assert.equal(s.json.saldo.total, danada.json.saldo);
        assert.equal(s.json.saldo.limite, danada.json.limite);
      }
    }),
  );
});

test('the five invalid payloads of the official test get 422 or 400, and client 6 is 404', async () => {
  for (const body of [
    { valor: 1.2, tipo: 'd', descricao: 'devolve' },
    { valor: 1, tipo: 'x', descricao: 'devolve' },
    { valor: 1, tipo: 'c', descricao: '123456789 e mais um pouco' },
    { valor: 1, tipo: 'c', descricao: '' },
    { valor: 1, tipo: 'c', descricao: null },
  ]) {
    const response = await postTransaction(env.url, 5, body);
    assert.ok([400, 422].includes(response.status), `${JSON.stringify(body)} -> ${response.status}`);
  }
  assert.equal((await getStatement(env.url, 6)).status, 404);
  assert.equal((await postTransaction(env.url, 6, { valor: 1, tipo: 'c', descricao: 'x' })).status, 404);
});

test('a debit beyond the limit returns 422 and leaves the balance unchanged', async () => {
  const before = (await getStatement(env.url, 2)).json.saldo.total;
  const response = await postTransaction(env.url, 2, { valor: 80000 + before + 1, tipo: 'd', descricao: 'demais' });
  assert.equal(response.status, 422);
  assert.equal((await getStatement(env.url, 2)).json.saldo.total, before);
  const exact = await postTransaction(env.url, 2, { valor: 80000 + before, tipo: 'd', descricao: 'exato' });
  assert.deepEqual(exact.json, { limite: 80000, saldo: -80000 });
});

test('the statement lists at most the 10 newest transactions, newest first, with UTC microsecond times', async () => {
  for (let i = 1; i <= 12; i++) {
    assert.equal((await postTransaction(env.url, 4, { valor: i, tipo: 'c', descricao: `n${i}` })).status, 200);
  }
  const statement = await getStatement(env.url, 4);
  assert.equal(statement.status, 200);
  assert.equal(statement.headers.get('content-type'), 'application/json');
  const list = statement.json.ultimas_transacoes;
  assert.equal(list.length, 10);
  assert.deepEqual(list.map((t: { descricao: string }) => t.descricao), ['n12', 'n11', 'n10', 'n9', 'n8', 'n7', 'n6', 'n5', 'n4', 'n3']);
  assert.deepEqual(Object.keys(statement.json), ['saldo', 'ultimas_transacoes']);
  assert.deepEqual(Object.keys(statement.json.saldo).sort(), ['data_extrato', 'limite', 'total']);
  assert.deepEqual(Object.keys(list[0]).sort(), ['descricao', 'realizada_em', 'tipo', 'valor']);
  assert.match(statement.json.saldo.data_extrato, ISO_MICROS_UTC);
  for (const t of list) assert.match(t.realizada_em, ISO_MICROS_UTC);
  assert.ok(Math.abs(Date.parse(statement.json.saldo.data_extrato) - Date.now()) < 60_000, 'data_extrato is the time of the query');
  // The balance counts every transaction, not only the listed ones.
  assert.equal(statement.json.saldo.total, 1 + (12 * 13) / 2);
});
