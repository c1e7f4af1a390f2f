// Where we are stricter than the public Rinha contract (docs/API.md, ledger), case by case, through nginx.
// Every answer read through helpers/http.ts is checked against the served OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertLedgerConsistent, readLedger, totalTransactions } from '../../helpers/ledger-invariant.js';
import { getStatement, postTransaction, rawRequest, request, statusOf } from '../../helpers/http.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let env: TestStack;
before(async () => {
  env = await startTestStack('strict');
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  if (env) await assertLedgerConsistent(env.db.pool);
  await env?.stop();
});

async function expectRefused(clientId: number | string, body: string, status: number): Promise<void> {
  const before = totalTransactions(await readLedger(env.db.pool));
  const response = await postTransaction(env.url, clientId, body);
  assert.equal(response.status, status, `${body} -> ${response.status} ${response.text}`);
  assert.equal(typeof response.json?.erro, 'string', `error body for ${body}: ${response.text}`);
  assert.equal(totalTransactions(await readLedger(env.db.pool)), before, `${body} wrote nothing`);
}

test('valor other than an integer 1..2147483647 written as digits is 422 and writes nothing', async () => {
  for (const valor of ['1.2', '1.0', '1e3', '0', '-1', '2147483648', '"10"', 'true', 'null']) {
    await expectRefused(1, `{"valor":${valor},"tipo":"c","descricao":"x"}`, 422);
  }
  const max = await postTransaction(env.url, 3, { valor: 2147483647, tipo: 'c', descricao: 'max' });
  assert.deepEqual(max.json, { limite: 1000000, saldo: 2147483647 });
});

test('descricao counts code points, is returned exactly as sent, and NUL is refused', async () => {
  const text = '😀ção日本語\\"/a';
  const decoded = JSON.parse(`"${text}"`) as string;
  assert.equal([...decoded].length, 10);
  assert.equal((await postTransaction(env.url, 5, `{"valor":1,"tipo":"c","descricao":"${text}"}`)).status, 200);
  assert.equal((await getStatement(env.url, 5)).json.ultimas_transacoes[0].descricao, decoded);
  await expectRefused(5, '{"valor":1,"tipo":"c","descricao":"a\\u0000b"}', 422);
  await expectRefused(5, '{"valor":1,"tipo":"c","descricao":"\\ud800"}', 422);
  await expectRefused(5, `{"valor":1,"tipo":"c","descricao":"${'😀'.repeat(11)}"}`, 422);
});

test('unknown fields are ignored and on duplicate keys the last one wins', async () => {
  const response = await postTransaction(env.url, 4, '{"valor":"x","extra":{"a":[1,2]},"valor":3,"tipo":"c","descricao":"dup"}');
  assert.equal(response.status, 200);
  assert.equal((await getStatement(env.url, 4)).json.ultimas_transacoes[0].valor, 3);
});

test('a body that is not JSON, or not an object, is 400', async () => {
  for (const body of ['', 'valor=1', '{"valor":1,', '[1]', '"x"', '1', 'null']) await expectRefused(1, body, 400);
});

test('invalid UTF-8 in the body is 400, never a crash', async () => {
  const body = Buffer.concat([Buffer.from('{"valor":1,"tipo":"c","descricao":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  const head = `POST /clientes/1/transacoes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  for (const port of [env.port, env.stack.instances[0]!.port]) {
    assert.equal(statusOf(await rawRequest(port, Buffer.concat([Buffer.from(head), body]))), 400);
  }
});

test('an id that is not a positive int32 in canonical decimal is 404', async () => {
  for (const id of ['abc', '-1', '1.5', '99999999999', '0', '01', '2147483648', '6', '%31']) {
    assert.equal((await getStatement(env.url, id)).status, 404, id);
    await expectRefused(id, '{"valor":1,"tipo":"c","descricao":"x"}', 404);
  }
});

test('a body over 1 KiB is 413, declared or streamed, at nginx and at an instance', async () => {
  const big = JSON.stringify({ valor: 1, tipo: 'c', descricao: 'x', pad: 'p'.repeat(1100) });
  await expectRefused(1, big, 413);
  const declared = `POST /clientes/1/transacoes HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(2000)}`;
  const chunked = `POST /clientes/1/transacoes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'400\r\n' + 'x'.repeat(1024) + '\r\n'}${'400\r\n' + 'x'.repeat(1024) + '\r\n'}`;
  for (const port of [env.port, env.stack.instances[1]!.port]) {
    assert.equal(statusOf(await rawRequest(port, declared)), 413, `declared at ${port}`);
    const raw = await rawRequest(port, chunked);
    assert.equal(statusOf(raw), 413, `chunked at ${port}`);
    assert.match(raw, /"erro"/);
  }
});

test('unknown routes are 404 and a known route with another method is 405, with a JSON body', async () => {
  // (`/` is the console's page when the console module runs.)
  for (const path of ['/nada', '/clientes', '/clientes/1', '/clientes/1/extrato/', '/clientes/1/outra', '/x/1/extrato']) {
    const response = await request(`${env.url}${path}`);
    assert.equal(response.status, 404, path);
    assert.equal(typeof response.json.erro, 'string');
  }
  const cases: [string, string, string][] = [['GET', '/clientes/1/transacoes', 'POST'], ['PUT', '/clientes/1/transacoes', 'POST'], ['DELETE', '/clientes/1/extrato', 'GET'], ['POST', '/clientes/1/extrato', 'GET'], ['PATCH', '/clientes/1/extrato', 'GET']];
  for (const [method, path, allow] of cases) {
    const response = await request(`${env.url}${path}`, { method, ...(method === 'GET' ? {} : { body: '{}' }) });
    assert.equal(response.status, 405, `${method} ${path}`);
    assert.equal(response.headers.get('allow'), allow);
    assert.equal(typeof response.json.erro, 'string');
  }
});

test('read-your-writes across instances: every statement reflects every 200 already answered', async () => {
  // Round-robin alternates instances; each statement must show the write answered just before.
  let expected = (await getStatement(env.url, 3)).json.saldo.total;
  for (let i = 0; i < 20; i++) {
    const response = await postTransaction(env.url, 3, { valor: 7, tipo: 'c', descricao: `ryw${i}` });
    expected += 7;
    assert.equal(response.json.saldo, expected);
    const statement = await getStatement(env.url, 3);
    assert.equal(statement.json.saldo.total, expected);
    assert.equal(statement.json.ultimas_transacoes[0].descricao, `ryw${i}`);
  }
});

test('both instances answer directly, each with the contract', async () => {
  for (const instance of env.stack.instances) {
    const base = `http://127.0.0.1:${instance.port}`;
    assert.equal((await getStatement(base, 1)).status, 200);
    assert.equal((await getStatement(base, 6)).status, 404);
    assert.equal((await request(`${base}/nada`)).status, 404);
  }
});
