// Idempotency keys (part G) on POST /transfer, POST /users, DELETE /users/{id} and the Rinha
// POST /clientes/{id}/transacoes, through nginx and both instances.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postTransaction, request } from '../../helpers/http.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';
import { balance, controlMock, cpf, createUser, deposit, transfer } from '../../helpers/transfers.js';

let env: TestStack;
before(async () => {
  env = await startTestStack('idempotency', { mockServices: true, apiEnv: { PASSWORD_SCRYPT_LOG_N: '10' } });
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  await env?.stop();
});

const key = (k: string) => ({ 'idempotency-key': k });

test('the same key sent 50 times at once gives one effect; every other answer is its replay or 409', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 10_000);
  const body = { value: 1.5, payer: payer.id, payee: payee.id };
  const answers = await Promise.all(Array.from({ length: 50 }, () => transfer(env.url, payer, body, key('pay-once'))));
  assert.ok(answers.every((a) => a.status === 201 || a.status === 409), JSON.stringify(answers.map((a) => a.status)));
  const created = answers.filter((a) => a.status === 201);
  assert.ok(created.length >= 1);
  assert.equal(new Set(created.map((a) => a.text)).size, 1, 'every 201 is the same answer');
  assert.equal(await balance(env.url, payee), 150, 'moved once');
  const replay = await transfer(env.url, payer, body, key('pay-once'));
  assert.equal(replay.status, 201);
  assert.equal(replay.text, created[0]!.text, 'the replay is the first answer, byte for byte');
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(created.filter((a) => a.headers.get('idempotent-replayed') === null).length, 1, 'exactly one first answer');
});

test('the same key with a different request is 422 and does nothing', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 1000);
  assert.equal((await transfer(env.url, payer, { value: 1, payer: payer.id, payee: payee.id }, key('k1'))).status, 201);
  const other = await transfer(env.url, payer, { value: 2, payer: payer.id, payee: payee.id }, key('k1'));
  assert.equal(other.status, 422);
  assert.match(other.json.erro, /Idempotency-Key/);
  assert.equal(await balance(env.url, payee), 100);
});

test('a keyed retry of a transfer that happened replays its 201 while the authorizer is down or refusing; a new key gets the authorizer\'s verdict', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 1000);
  const body = { value: 1, payer: payer.id, payee: payee.id };
  const first = await transfer(env.url, payer, body, key('k-outage'));
  assert.equal(first.status, 201);
  const mock = env.stack.mockUrl!;
  try {
    const outages = [[{ failRate: 1, denyRate: 0 }, 503], [{ failRate: 0, denyRate: 1 }, 403]] as const;
    for (const [behaviour, verdict] of outages) {
      await controlMock(mock, { authorize: behaviour });
      const retry = await transfer(env.url, payer, body, key('k-outage'));
      assert.equal(retry.status, 201, retry.text);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(retry.json, first.json);
      assert.equal((await transfer(env.url, payer, body, key(`k-new-${verdict}`))).status, verdict);
      assert.equal((await transfer(env.url, payer, { ...body, value: 2 }, key('k-outage'))).status, 422, 'another request with the key');
      assert.equal((await transfer(env.url, payer, body)).status, verdict, 'without a key');
    }
  } finally {
    await controlMock(mock, { authorize: { failRate: 0, denyRate: 0 } });
  }
  assert.equal(await balance(env.url, payee), 100, 'moved once');
});

test('a key is scoped to its caller: two users may use the same key', async () => {
  const [a, b, c] = [await createUser(env.url), await createUser(env.url), await createUser(env.url)];
  await deposit(env.url, a, 100);
  await deposit(env.url, b, 100);
  assert.equal((await transfer(env.url, a, { value: 1, payer: a.id, payee: c.id }, key('shared'))).status, 201);
  const second = await transfer(env.url, b, { value: 1, payer: b.id, payee: c.id }, key('shared'));
  assert.equal(second.status, 201);
  assert.equal(second.headers.get('idempotent-replayed'), null);
  assert.equal(await balance(env.url, c), 200);
});

test('a malformed Idempotency-Key is 422 and does nothing', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 100);
  const bad = 'x'.repeat(256);
  assert.equal((await transfer(env.url, payer, { value: 1, payer: payer.id, payee: payee.id }, key(bad))).status, 422);
  assert.equal((await request(`${env.url}/clientes/1/transacoes`, { body: { valor: 1, tipo: 'c', descricao: 'x' }, headers: key(bad) })).status, 422);
  assert.equal(await balance(env.url, payee), 0);
});

test('a replay after the instance that answered was killed returns the first answer', async () => {
  const payer = await createUser(env.url);
  const payee = await createUser(env.url);
  await deposit(env.url, payer, 1000);
  const body = { value: 3, payer: payer.id, payee: payee.id };
  const direct = (port: number) => request(`http://127.0.0.1:${port}/transfer`, { body, headers: { ...payer.auth, ...key('after-crash') } });
  const [first, second] = env.stack.instances;
  const answer = await direct(first!.port);
  assert.equal(answer.status, 201);
  await first!.stop('SIGKILL');
  try {
    const replay = await direct(second!.port);
    assert.equal(replay.status, 201);
    assert.equal(replay.text, answer.text);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    const viaNginx = await transfer(env.url, payer, body, key('after-crash'));
    assert.equal(viaNginx.text, answer.text);
  } finally {
    await first!.start();
  }
  assert.equal(await balance(env.url, payee), 300);
});

test('POST /users with a key replays the first registration; DELETE /users/{id} replays its 204 although the token was revoked by it', async () => {
  const body = { fullName: 'Idem Potente', document: cpf(424242), email: 'idem@example.com', password: 'segredo-123', type: 'common' };
  const first = await request(`${env.url}/users`, { body, headers: key('register-1') });
  assert.equal(first.status, 201);
  const again = await request(`${env.url}/users`, { body, headers: key('register-1') });
  assert.deepEqual([again.status, again.text, again.headers.get('idempotent-replayed')], [201, first.text, 'true']);
  assert.equal((await request(`${env.url}/users`, { body })).status, 409, 'without the key it is a second registration');

  const user = await createUser(env.url);
  const del = () => request(`${env.url}/users/${user.id}`, { method: 'DELETE', headers: { ...user.auth, ...key('bye') } });
  assert.equal((await del()).status, 204);
  const replay = await del();
  assert.equal(replay.status, 204);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
});

test('the Rinha POST with a key replays its first {limite, saldo}, on an open account and on a user\'s', async () => {
  const body = { valor: 7, tipo: 'c', descricao: 'idem' };
  const first = await request(`${env.url}/clientes/3/transacoes`, { body, headers: key('rinha-1') });
  assert.equal(first.status, 200);
  await postTransaction(env.url, 3, { valor: 1, tipo: 'c', descricao: 'outra' });
  const replay = await request(`${env.url}/clientes/3/transacoes`, { body, headers: key('rinha-1') });
  assert.deepEqual([replay.status, replay.text, replay.headers.get('idempotent-replayed')], [200, first.text, 'true']);
  assert.equal((await request(`${env.url}/clientes/3/transacoes`, { body: { ...body, valor: 8 }, headers: key('rinha-1') })).status, 422);
  const { rows } = await env.db.pool.query("SELECT count(*)::int AS n FROM transacoes WHERE cliente_id = 3 AND descricao = 'idem'");
  assert.equal(rows[0].n, 1);

  const user = await createUser(env.url);
  const own = await request(`${env.url}/clientes/${user.id}/transacoes`, { body, headers: { ...user.auth, ...key('rinha-2') } });
  const ownReplay = await request(`${env.url}/clientes/${user.id}/transacoes`, { body, headers: { ...user.auth, ...key('rinha-2') } });
  assert.deepEqual([own.status, ownReplay.text, ownReplay.headers.get('idempotent-replayed')], [200, own.text, 'true']);
  assert.equal(await balance(env.url, user), 7);
  // Refusals are replayed too: a debit beyond the limit stays refused under its key.
  const refused = await request(`${env.url}/clientes/${user.id}/transacoes`, { body: { valor: 100, tipo: 'd', descricao: 'x' }, headers: { ...user.auth, ...key('rinha-3') } });
  assert.equal(refused.status, 422);
  await deposit(env.url, user, 1000);
  const refusedReplay = await request(`${env.url}/clientes/${user.id}/transacoes`, { body: { valor: 100, tipo: 'd', descricao: 'x' }, headers: { ...user.auth, ...key('rinha-3') } });
  assert.deepEqual([refusedReplay.status, refusedReplay.headers.get('idempotent-replayed')], [422, 'true']);
});

test('a key older than 24 hours is purged (the worker\'s purge_expired) and then no longer replays', async () => {
  await env.db.pool.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'rinha-1'");
  const { rows } = await env.db.pool.query('SELECT purge_expired(86400, 60) AS removed');
  assert.ok(Number(rows[0].removed) >= 1);
  const { rows: left } = await env.db.pool.query("SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'rinha-1'");
  assert.equal(left[0].n, 0);
});
