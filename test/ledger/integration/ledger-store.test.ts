// PgLedgerStore: natural batching over a real pool, and a prompt 503 when Postgres is gone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../../src/config.js';
import { PgLedgerStore } from '../../../src/ledger/store.js';
import { createPool } from '../../../src/kernel/pool.js';
import { ErrorCode } from '../../../src/kernel/errors.js';
import { PendingTransaction } from '../../../src/ledger/use-cases.js';
import { StoreError } from '../../../src/kernel/store-error.js';
import type { Responder } from '../../../src/kernel/responder.js';
import { freePort } from '../../../scripts/lib/ports.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { assertLedgerConsistent } from '../../helpers/ledger-invariant.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('store');
});
after(async () => {
  await db?.drop();
});

interface StoreAnswer { json?: string; code?: ErrorCode }

function submit(store: PgLedgerStore, clientId: number, valor: number, tipo: string, descricao: string): Promise<StoreAnswer> {
  return new Promise((resolve) => {
    const responder: Responder = { ok: (json) => resolve({ json }), fail: (code) => resolve({ code }), json: (_status, json) => resolve({ json }) };
    const transaction = new PendingTransaction(clientId, responder);
    transaction.valor = valor;
    transaction.tipo = tipo;
    transaction.descricao = descricao;
    store.transact(transaction);
  });
}

function storeFor(url: string, poolSize: number, batchMax = 64, queueMax = 10_000) {
  const config = loadConfig({ DATABASE_URL: url, DB_POOL_SIZE: String(poolSize), DB_CONNECT_TIMEOUT_MS: '500' });
  const pool = createPool(config);
  const calls = { count: 0 };
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    calls.count++;
    return query(...args);
  };
  return { store: new PgLedgerStore(pool, { maxInFlight: poolSize, batchMax, queueMax }), pool, calls };
}

test('concurrent transactions share calls: fewer round trips than transactions, every one answered right', async () => {
  const { store, pool, calls } = storeFor(db.url, 2);
  const outcomes = await Promise.all(Array.from({ length: 300 }, (_, i) => submit(store, 1 + (i % 5), 10, i % 2 ? 'c' : 'd', `b${i}`)));
  await pool.end();
  assert.ok(outcomes.every((outcome) => outcome.json !== undefined), 'every transaction applied');
  assert.ok(calls.count < 300 / 4, `${calls.count} calls for 300 transactions`);
  const ledger = await assertLedgerConsistent(db.pool);
  assert.equal(ledger.reduce((n, c) => n + c.transactions, 0), 300);
});

test('each transaction gets its own outcome from a shared call', async () => {
  const { store, pool } = storeFor(db.url, 1);
  const [first, refused, unknown, last] = await Promise.all([
    submit(store, 2, 1, 'c', 'a'),
    submit(store, 2, 10_000_000, 'd', 'b'),
    submit(store, 6, 1, 'c', 'c'),
    submit(store, 2, 1, 'd', 'd'),
  ]);
  await pool.end();
  assert.ok(first.json);
  assert.equal(refused.code, ErrorCode.LimitExceeded);
  assert.equal(unknown.code, ErrorCode.ClientNotFound);
  assert.ok(last.json);
});

test('a batch never exceeds batchMax transactions', async () => {
  const { store, pool, calls } = storeFor(db.url, 1, 5);
  await Promise.all(Array.from({ length: 50 }, (_, i) => submit(store, 4, 1, 'c', `m${i}`)));
  await pool.end();
  assert.ok(calls.count >= 10, `${calls.count} calls for 50 transactions at batchMax 5`);
});

test('beyond queueMax waiting transactions, new ones are refused at once as overloaded', async () => {
  const { store, pool } = storeFor(db.url, 1, 64, 3);
  const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(store, 4, 1, 'c', `q${i}`)));
  await pool.end();
  assert.equal(outcomes.filter((o) => o.code === ErrorCode.Overloaded).length, 6, '1 in flight + 3 queued; 6 refused');
});

test('an unreachable database answers 503 (DatabaseUnavailable) promptly, never a client error', async () => {
  const url = `postgres://nobody:x@127.0.0.1:${await freePort()}/nothing`;
  const { store, pool } = storeFor(url, 2);
  const started = Date.now();
  const outcome = await submit(store, 1, 1, 'c', 'x');
  assert.equal(outcome.code, ErrorCode.DatabaseUnavailable);
  await assert.rejects(store.statement(1), (error: unknown) => error instanceof StoreError && error.code === ErrorCode.DatabaseUnavailable);
  assert.ok(Date.now() - started < 5000);
  await pool.end();
});

test('the statement comes from one query: balance, limit and the newest transactions', async () => {
  const { store, pool } = storeFor(db.url, 1);
  await submit(store, 3, 7, 'c', 'st');
  const statement = await store.statement(3);
  assert.equal(await store.statement(6), null);
  await pool.end();
  assert.ok(statement);
  assert.equal(statement.saldo.limite, 1000000);
  assert.equal(statement.ultimas_transacoes[0]!.descricao, 'st');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const { rows } = await client.query('SELECT saldo::int FROM clientes WHERE id = 3');
  await client.end();
  assert.equal(statement.saldo.total, rows[0].saldo);
});
