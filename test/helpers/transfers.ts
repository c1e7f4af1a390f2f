// What the transfers tests share: valid documents, registering users and logging them in
// through the API, and the mock authorizer/notifier's control endpoint.
import assert from 'node:assert/strict';
import { request, type JsonResponse } from './http.js';
import { completeCnpj, completeCpf } from '../../src/transfers/document.js';

/** A valid CPF for n (check digits computed), distinct for distinct n < 10^9. */
export function cpf(n: number): string {
  return completeCpf(String(n).padStart(9, '0'));
}

/** A valid CNPJ for n. */
export function cnpj(n: number): string {
  return completeCnpj(String(n).padStart(8, '0') + '0001');
}

let counter = Math.floor(Math.random() * 1e6) * 100;

export interface TestUser {
  id: number;
  email: string;
  password: string;
  token: string;
  auth: Record<string, string>;
}

/** Registers a user (common unless told) and logs it in. */
export async function createUser(base: string, kind: 'common' | 'merchant' = 'common'): Promise<TestUser> {
  const n = ++counter;
  const email = `user${n}@example.com`;
  const password = `password-${n}`;
  const created = await request(`${base}/users`, {
    body: { fullName: `User ${n}`, document: kind === 'common' ? cpf(n) : cnpj(n), email, password, type: kind },
  });
  assert.equal(created.status, 201, created.text);
  const token = await login(base, email, password);
  assert.equal(token.status, 200, token.text);
  return { id: created.json.id, email, password, token: token.json.access_token, auth: { authorization: `Bearer ${token.json.access_token}` } };
}

export function login(base: string, email: string, password: string): Promise<JsonResponse> {
  return request(`${base}/auth/token`, { body: { email, password } });
}

/** Credits a user's account through the Rinha endpoint, with its token. */
export async function deposit(base: string, user: TestUser, cents: number): Promise<void> {
  const response = await request(`${base}/clientes/${user.id}/transacoes`, { body: { valor: cents, tipo: 'c', descricao: 'deposito' }, headers: user.auth });
  assert.equal(response.status, 200, response.text);
}

export async function balance(base: string, user: TestUser): Promise<number> {
  const response = await request(`${base}/clientes/${user.id}/extrato`, { headers: user.auth });
  assert.equal(response.status, 200, response.text);
  return response.json.saldo.total;
}

export function transfer(base: string, user: TestUser, body: object | string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  return request(`${base}/transfer`, { body, headers: { ...user.auth, ...headers } });
}

/** Changes the mock's behaviour (scripts/lib/mock-services.ts). */
export async function controlMock(mockUrl: string, settings: object): Promise<void> {
  const response = await fetch(`${mockUrl}/_control`, { method: 'POST', body: JSON.stringify(settings) });
  assert.equal(response.status, 200);
  await response.text();
}

export interface MockReceived {
  calls: number;
  delivered: number;
  keys: Record<string, { calls: number; delivered: number; body: { transferId: number; payee: number; value: number; notificationId: string } }>;
}

export async function mockReceived(mockUrl: string): Promise<MockReceived> {
  return (await (await fetch(`${mockUrl}/_received`)).json()) as MockReceived;
}

/** Runs fn(0..count-1) with at most `limit` in flight; the results in index order. */
export async function inParallel<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await fn(i);
      }
    }),
  );
  return results;
}

/** The sum of every user account's balance, and the lowest one (from the database). */
export async function userBalances(pool: { query: (text: string) => Promise<{ rows: any[] }> }): Promise<{ sum: number; min: number; count: number }> {
  const { rows } = await pool.query('SELECT coalesce(sum(c.saldo), 0)::bigint AS sum, coalesce(min(c.saldo), 0)::bigint AS min, count(*)::int AS count FROM clientes c JOIN users u ON u.id = c.id');
  return { sum: Number(rows[0].sum), min: Number(rows[0].min), count: rows[0].count };
}
