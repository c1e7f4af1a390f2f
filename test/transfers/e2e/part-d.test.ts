// Part D (users, tokens, transfers, notifications), rule by rule, through nginx, both instances,
// a real worker and the mock authorizer/notifier over HTTP. Every answer read through
// helpers/http.ts is checked against the served OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getStatement, postTransaction, request } from '../../helpers/http.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { assertLedgerConsistent } from '../../helpers/ledger-invariant.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';
import { waitUntil } from '../../helpers/load.js';
import { balance, cnpj, controlMock, cpf, createUser, deposit, login, mockReceived, transfer } from '../../helpers/transfers.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
let env: TestStack;
let mock: string;
before(async () => {
  env = await startTestStack('part_d', {
    mockServices: true,
    workers: 1,
    apiEnv: {
      PASSWORD_SCRYPT_LOG_N: '12',
      ADMIN_TOKEN,
      LOGIN_MAX_FAILURES: '3',
      LOGIN_WINDOW_S: '2',
      AUTHORIZER_TIMEOUT_MS: '300',
      NOTIFY_TIMEOUT_MS: '300',
      NOTIFY_MAX_ATTEMPTS: '3',
      NOTIFY_BACKOFF_BASE_MS: '50',
      NOTIFY_BACKOFF_MAX_MS: '200',
      NOTIFY_POLL_MS: '50',
    },
  });
  mock = env.stack.mockUrl!;
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  if (env) await assertLedgerConsistent(env.db.pool);
  await env?.stop();
});

const register = (body: object) => request(`${env.url}/users`, { body });
const person = (n: number, extra: object = {}) => ({ fullName: `Pessoa ${n}`, document: cpf(n), email: `p${n}@example.com`, password: 'segredo-123', type: 'common', ...extra });

test('POST /users registers a common user with a CPF and a merchant with a CNPJ, punctuation stripped, never returning the password', async () => {
  const digits = cpf(11);
  const common = await register(person(11, { document: `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6, 9)}-${digits.slice(9)}` }));
  assert.equal(common.status, 201, common.text);
  assert.deepEqual(Object.keys(common.json).sort(), ['createdAt', 'document', 'email', 'fullName', 'id', 'type']);
  assert.equal(common.json.document, digits);
  assert.ok(common.json.id >= 1000, 'user ids start above the open accounts');
  const c = cnpj(12);
  const merchant = await register({ ...person(12), document: `${c.slice(0, 2)}.${c.slice(2, 5)}.${c.slice(5, 8)}/${c.slice(8, 12)}-${c.slice(12)}`, type: 'merchant' });
  assert.equal(merchant.status, 201, merchant.text);
  assert.equal(merchant.json.type, 'merchant');
  assert.ok(!merchant.text.includes('segredo'));
  // The user's account exists with limite 0 and balance 0.
  const { rows } = await env.db.pool.query('SELECT limite, saldo::int AS saldo FROM clientes WHERE id = $1', [common.json.id]);
  assert.deepEqual(rows, [{ limite: 0, saldo: 0 }]);
});

test('the password is stored only as a salted scrypt hash', async () => {
  await register(person(13));
  await register(person(14));
  const { rows } = await env.db.pool.query("SELECT password_hash FROM users WHERE email IN ('p13@example.com', 'p14@example.com')");
  assert.equal(rows.length, 2);
  for (const row of rows) assert.match(row.password_hash, /^scrypt\$\d+\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(rows[0].password_hash.split('$')[4], rows[1].password_hash.split('$')[4], 'each hash has its own salt');
});

test('a CPF or CNPJ with wrong check digits, or of the wrong kind, is 422 naming document, and nothing is written', async () => {
  const good = cpf(15);
  const bad = good.slice(0, 10) + String((Number(good[10]) + 1) % 10);
  for (const body of [person(15, { document: bad }), person(15, { document: '111.111.111-11' }), person(15, { document: cnpj(15) }), person(15, { type: 'merchant' })]) {
    const response = await register(body);
    assert.equal(response.status, 422, JSON.stringify(body));
    assert.match(response.json.erro, /document/);
  }
  const { rows } = await env.db.pool.query("SELECT count(*)::int AS n FROM users WHERE email = 'p15@example.com'");
  assert.equal(rows[0].n, 0);
});

test('a missing or invalid field is 422 naming the field, and a body that is not JSON is 400', async () => {
  for (const [field, body] of [
    ['fullName', person(16, { fullName: '' })],
    ['email', person(16, { email: 'not-an-email' })],
    ['password', person(16, { password: 'short' })],
    ['type', person(16, { type: 'admin' })],
    ['document', { ...person(16), document: undefined }],
  ] as const) {
    const response = await register(body);
    assert.equal(response.status, 422, field);
    assert.match(response.json.erro, new RegExp(field));
  }
  assert.equal((await request(`${env.url}/users`, { body: '{"fullName":' })).status, 400);
});

test('a second user with the same document, or the same e-mail in any case, is 409', async () => {
  assert.equal((await register(person(17))).status, 201);
  assert.equal((await register(person(17, { email: 'other17@example.com' }))).status, 409);
  const sameEmail = await register(person(18, { email: 'P17@EXAMPLE.com' }));
  assert.equal(sameEmail.status, 409);
  assert.match(sameEmail.json.erro, /email/);
});

test('two registrations racing with the same document get one 201 and one 409 (the database decides)', async () => {
  for (let round = 0; round < 5; round++) {
    const n = 100 + round;
    const answers = await Promise.all([register(person(n)), register(person(n, { email: `twin${n}@example.com` }))]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409]);
  }
});

test('POST /auth/token issues a Bearer token that expires; a wrong password and an unknown e-mail get the same 401', async () => {
  await register(person(19));
  const ok = await login(env.url, 'P19@example.com', 'segredo-123');
  assert.equal(ok.status, 200);
  assert.equal(ok.json.token_type, 'Bearer');
  assert.ok(ok.json.expires_in > 0);
  assert.match(ok.json.access_token, /^[A-Za-z0-9_-]{43}$/);
  const wrong = await login(env.url, 'p19@example.com', 'wrong-password');
  const unknown = await login(env.url, 'nobody@example.com', 'wrong-password');
  assert.equal(wrong.status, 401);
  assert.deepEqual([unknown.status, unknown.text], [wrong.status, wrong.text]);
  // Only the token's SHA-256 is stored; once expired, it no longer works.
  const id = (await env.db.pool.query("SELECT id FROM users WHERE email = 'p19@example.com'")).rows[0].id;
  const auth = { authorization: `Bearer ${ok.json.access_token}` };
  assert.equal((await request(`${env.url}/users/${id}`, { headers: auth })).status, 200);
  const stored = await env.db.pool.query('SELECT hash FROM tokens WHERE user_id = $1', [id]);
  assert.ok(stored.rows.every((r) => !r.hash.toString('utf8').includes(ok.json.access_token)));
  await env.db.pool.query("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1", [id]);
  assert.equal((await request(`${env.url}/users/${id}`, { headers: auth })).status, 401);
});

test('repeated failed logins for one e-mail get 429 for a while, never a permanent lock-out', async () => {
  await register(person(20));
  for (let i = 0; i < 3; i++) assert.equal((await login(env.url, 'p20@example.com', 'wrong-password')).status, 401);
  assert.equal((await login(env.url, 'p20@example.com', 'wrong-password')).status, 429);
  assert.equal((await login(env.url, 'p20@example.com', 'segredo-123')).status, 429, 'even the right password waits for the window');
  assert.equal((await login(env.url, 'p19@example.com', 'segredo-123')).status, 200, 'another e-mail is not affected');
  await new Promise((resolve) => setTimeout(resolve, 2100));
  assert.equal((await login(env.url, 'p20@example.com', 'segredo-123')).status, 200, 'after the window the real user logs in');
});

test('GET /users/{id} answers only to that user\'s token: none is 401, another user\'s is 404', async () => {
  const a = await createUser(env.url);
  const b = await createUser(env.url);
  const own = await request(`${env.url}/users/${a.id}`, { headers: a.auth });
  assert.equal(own.status, 200);
  assert.equal(own.json.email, a.email);
  assert.equal((await request(`${env.url}/users/${a.id}`)).status, 401);
  assert.equal((await request(`${env.url}/users/${a.id}`, { headers: b.auth })).status, 404);
  assert.equal((await request(`${env.url}/users/${a.id}`, { headers: { authorization: 'Bearer nonsense' } })).status, 401);
});

test('a user\'s account is served by the Rinha endpoints only with its owner\'s token; anyone else gets the 404 of a missing account', async () => {
  const a = await createUser(env.url);
  const b = await createUser(env.url);
  const credit = { valor: 500, tipo: 'c', descricao: 'deposito' };
  const own = await request(`${env.url}/clientes/${a.id}/transacoes`, { body: credit, headers: a.auth });
  assert.equal(own.status, 200);
  assert.deepEqual(own.json, { limite: 0, saldo: 500 });
  const missing = await postTransaction(env.url, 999999, credit);
  for (const response of [
    await postTransaction(env.url, a.id, credit),
    await request(`${env.url}/clientes/${a.id}/transacoes`, { body: credit, headers: b.auth }),
    await getStatement(env.url, a.id),
    await request(`${env.url}/clientes/${a.id}/extrato`, { headers: b.auth }),
  ]) {
    assert.deepEqual([response.status, response.text], [missing.status, missing.text]);
  }
  // limite 0: a user's account never goes below 0.
  assert.equal((await request(`${env.url}/clientes/${a.id}/transacoes`, { body: { valor: 501, tipo: 'd', descricao: 'saque' }, headers: a.auth })).status, 422);
  assert.equal(await balance(env.url, a), 500);
});

test('the five open accounts keep the Rinha contract without credentials, with or without a token', async () => {
  const a = await createUser(env.url);
  assert.equal((await postTransaction(env.url, 1, { valor: 1, tipo: 'c', descricao: 'aberta' })).status, 200);
  assert.equal((await request(`${env.url}/clientes/1/transacoes`, { body: { valor: 1, tipo: 'd', descricao: 'aberta' }, headers: a.auth })).status, 200);
  assert.equal((await getStatement(env.url, 5)).status, 200);
  assert.equal((await getStatement(env.url, 6)).status, 404);
});

test('a transfer moves the value from payer to payee, both statement lines naming the counterpart', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 10000);
  const response = await transfer(env.url, payer, `{"value": 12.34, "payer": ${payer.id}, "payee": ${payee.id}}`);
  assert.equal(response.status, 201, response.text);
  assert.deepEqual({ ...response.json, id: 0, createdAt: '' }, { id: 0, payer: payer.id, payee: payee.id, value: 12.34, createdAt: '' });
  assert.equal(await balance(env.url, payer), 10000 - 1234);
  assert.equal(await balance(env.url, payee), 1234);
  const payerLine = (await request(`${env.url}/clientes/${payer.id}/extrato`, { headers: payer.auth })).json.ultimas_transacoes[0];
  const payeeLine = (await request(`${env.url}/clientes/${payee.id}/extrato`, { headers: payee.auth })).json.ultimas_transacoes[0];
  assert.deepEqual([payerLine.valor, payerLine.tipo, payerLine.descricao], [1234, 'd', `>${payee.id}`]);
  assert.deepEqual([payeeLine.valor, payeeLine.tipo, payeeLine.descricao], [1234, 'c', `<${payer.id}`]);
});

test('value is read from the number\'s text into integer cents: at most two decimals, > 0, <= 21474836.47, else 422', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 2147483647);
  for (const value of ['0', '-1', '0.001', '1.234', '1e2', '"10"', 'null', 'true', '21474836.48', '99999999999', '0.00']) {
    const response = await transfer(env.url, payer, `{"value": ${value}, "payer": ${payer.id}, "payee": ${payee.id}}`);
    assert.equal(response.status, 422, `value ${value}`);
    assert.match(response.json.erro, /value/);
  }
  let expected = 0;
  for (const [value, cents] of [['0.29', 29], ['0.1', 10], ['1.10', 110], ['100', 10000], ['21474836.47', 2147483647 - 29 - 10 - 110 - 10000]] as const) {
    const text = value === '21474836.47' ? (cents / 100).toFixed(2) : value;
    const response = await transfer(env.url, payer, `{"value": ${text}, "payer": ${payer.id}, "payee": ${payee.id}}`);
    assert.equal(response.status, 201, `value ${text}: ${response.text}`);
    expected += cents;
    assert.equal(await balance(env.url, payee), expected, `value ${text} moved exactly ${cents} cents`);
  }
  assert.equal(await balance(env.url, payer), 0);
});

test('a merchant never sends (403), and a token not the payer\'s is 403; nothing moves', async () => {
  const merchant = await createUser(env.url, 'merchant');
  const user = await createUser(env.url);
  await deposit(env.url, merchant, 1000);
  await deposit(env.url, user, 1000);
  assert.equal((await transfer(env.url, merchant, { value: 1, payer: merchant.id, payee: user.id })).status, 403);
  assert.equal((await transfer(env.url, user, { value: 1, payer: merchant.id, payee: user.id })).status, 403);
  // A merchant receives.
  assert.equal((await transfer(env.url, user, { value: 1, payer: user.id, payee: merchant.id })).status, 201);
  assert.equal(await balance(env.url, merchant), 1100);
  assert.equal(await balance(env.url, user), 900);
});

test('an unknown payee is 404, payer = payee is 422, an insufficient balance is 422, and nothing moves', async () => {
  const payer = await createUser(env.url);
  await deposit(env.url, payer, 100);
  assert.equal((await transfer(env.url, payer, { value: 1, payer: payer.id, payee: 999999 })).status, 404);
  assert.equal((await transfer(env.url, payer, { value: 1, payer: payer.id, payee: 1 })).status, 404, 'an open account is not a user');
  assert.equal((await transfer(env.url, payer, { value: 1, payer: payer.id, payee: payer.id })).status, 422);
  const payee = await createUser(env.url);
  const short = await transfer(env.url, payer, { value: 1.01, payer: payer.id, payee: payee.id });
  assert.equal(short.status, 422);
  assert.match(short.json.erro, /saldo/);
  assert.equal(await balance(env.url, payer), 100);
  assert.equal(await balance(env.url, payee), 0);
  assert.equal((await request(`${env.url}/transfer`, { body: { value: 1, payer: payer.id, payee: payee.id } })).status, 401, 'no token');
});

test('the authorizer\'s refusal is 403, its failure or silence 503, and nothing moves', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 100);
  const body = { value: 1, payer: payer.id, payee: payee.id };
  try {
    await controlMock(mock, { authorize: { denyRate: 1 } });
    assert.equal((await transfer(env.url, payer, body)).status, 403);
    await controlMock(mock, { authorize: { denyRate: 0, failRate: 1 } });
    assert.equal((await transfer(env.url, payer, body)).status, 503);
    await controlMock(mock, { authorize: { failRate: 0, latencyMs: 1000 } });
    const started = Date.now();
    assert.equal((await transfer(env.url, payer, body)).status, 503);
    assert.ok(Date.now() - started < 900, 'answered at AUTHORIZER_TIMEOUT_MS, not when the authorizer answers');
  } finally {
    await controlMock(mock, { authorize: { denyRate: 0, failRate: 0, latencyMs: 0 } });
  }
  assert.equal(await balance(env.url, payer), 100);
  assert.equal(await balance(env.url, payee), 0);
  assert.equal((await transfer(env.url, payer, body)).status, 201);
});

test('deleting a user keeps its history, stops its tokens at once, and it can no longer log in, send or receive', async () => {
  const a = await createUser(env.url);
  const b = await createUser(env.url);
  await deposit(env.url, a, 1000);
  assert.equal((await transfer(env.url, a, { value: 2, payer: a.id, payee: b.id })).status, 201);
  assert.equal((await request(`${env.url}/users/${b.id}`, { method: 'DELETE', headers: a.auth })).status, 404, 'only with its own token');
  const deleted = await request(`${env.url}/users/${b.id}`, { method: 'DELETE', headers: b.auth });
  assert.equal(deleted.status, 204);
  assert.equal((await request(`${env.url}/users/${b.id}`, { headers: b.auth })).status, 401, 'its token stopped working');
  assert.equal((await request(`${env.url}/clientes/${b.id}/extrato`, { headers: b.auth })).status, 404);
  assert.equal((await login(env.url, b.email, b.password)).status, 401);
  assert.equal((await transfer(env.url, a, { value: 1, payer: a.id, payee: b.id })).status, 404, 'cannot receive');
  // The history stays in both statements.
  const line = (await request(`${env.url}/clientes/${a.id}/extrato`, { headers: a.auth })).json.ultimas_transacoes.find((t: { descricao: string }) => t.descricao === `>${b.id}`);
  assert.ok(line, 'the payer\'s line stays');
  const { rows } = await env.db.pool.query("SELECT count(*)::int AS n FROM transacoes WHERE cliente_id = $1 AND descricao = $2", [b.id, `<${a.id}`]);
  assert.equal(rows[0].n, 1, 'the payee\'s line stays');
});

test('every committed transfer\'s notification reaches the notifier with the notification id as Idempotency-Key', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 1000);
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) ids.push((await transfer(env.url, payer, { value: 0.5, payer: payer.id, payee: payee.id })).json.id);
  const { rows } = await env.db.pool.query('SELECT id, transfer_id FROM notifications WHERE transfer_id = ANY($1)', [ids]);
  assert.equal(rows.length, 5, 'queued in the transfer\'s transaction');
  await waitUntil('every notification delivered', async () => {
    const received = await mockReceived(mock);
    return rows.every((row) => (received.keys[row.id]?.delivered ?? 0) >= 1);
  }, 10_000);
  const received = await mockReceived(mock);
  for (const row of rows) assert.deepEqual({ ...received.keys[row.id]!.body, createdAt: undefined }, { notificationId: row.id, transferId: Number(row.transfer_id), payer: payer.id, payee: payee.id, value: 0.5, createdAt: undefined });
});

test('a notification the notifier keeps refusing goes dead: listed, counted in metrics, re-queued by the admin, then delivered', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 100);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  let notificationId: string;
  try {
    await controlMock(mock, { notify: { failRate: 1 } });
    const id = (await transfer(env.url, payer, { value: 1, payer: payer.id, payee: payee.id })).json.id;
    notificationId = (await env.db.pool.query('SELECT id FROM notifications WHERE transfer_id = $1', [id])).rows[0].id;
    await waitUntil('dead', async () => (await request(`${env.url}/admin/notifications/dead`, { headers: admin })).json.notifications.some((n: { id: string }) => n.id === notificationId), 10_000);
    const dead = (await request(`${env.url}/admin/notifications/dead`, { headers: admin })).json.notifications.find((n: { id: string }) => n.id === notificationId);
    assert.equal(dead.attempts, 3, 'NOTIFY_MAX_ATTEMPTS');
    assert.equal(dead.lastError, 'status 504');
    assert.equal((await mockReceived(mock)).keys[notificationId]!.calls, 3);
    const metrics = await (await fetch(`${env.url}/metrics`)).text();
    assert.match(metrics, /^crebitos_transfers_notifications_dead [1-9]/m);
  } finally {
    await controlMock(mock, { notify: { failRate: 0 } });
  }
  assert.equal((await request(`${env.url}/admin/notifications/${notificationId}/requeue`, { method: 'POST' })).status, 401, 'admin only');
  assert.equal((await request(`${env.url}/admin/notifications/${notificationId}/requeue`, { method: 'POST', headers: admin })).status, 204);
  await waitUntil('delivered after the re-queue', async () => ((await mockReceived(mock)).keys[notificationId]?.delivered ?? 0) === 1, 10_000);
  assert.equal((await request(`${env.url}/admin/notifications/${notificationId}/requeue`, { method: 'POST', headers: admin })).status, 404, 'no longer dead');
});
