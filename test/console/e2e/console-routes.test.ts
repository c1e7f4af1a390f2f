// The console through nginx and two instances: its pages and files (content types, caching,
// Content-Security-Policy, 404 for anything not on its list, no way out of its folder) and the
// live ledger view's server-sent events (a snapshot at once, then live; bounded; ended on drain).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MAX_LEDGER_VIEWERS } from '../../../src/console/module.js';
import { CONTENT_SECURITY_POLICY } from '../../../src/console/static-files.js';
import { EventStreamReader } from '../../helpers/event-stream.js';
import { postTransaction, request } from '../../helpers/http.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { formatRequest, rawExchange } from '../../helpers/raw-http.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let env: TestStack;
before(async () => {
  env = await startTestStack('console', { apiEnv: { SHUTDOWN_GRACE_MS: '10000' } });
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  installContract(undefined);
  await env?.stop();
});

const instanceUrl = (i: number) => `http://127.0.0.1:${env.stack.instances[i]!.port}`;

test('the console pages are HTML with a Content-Security-Policy that names no other origin', async () => {
  for (const path of ['/', '/console/ledger', '/console/files/some-id']) {
    const page = await request(`${env.url}${path}`);
    assert.equal(page.status, 200, path);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8', path);
    assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, path);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.match(page.headers.get('etag')!, /^"[\w-]{22}"$/);
    assert.match(page.text, /<html lang="en">/);
    assert.doesNotMatch(page.text, /https?:\/\//, 'nothing is fetched from outside the service');
  }
});

test('a page the browser already has is answered 304 through nginx, without a body', async () => {
  const first = await request(`${env.url}/`);
  const again = await fetch(`${env.url}/`, { headers: { 'If-None-Match': first.headers.get('etag')! } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  const ledger = await request(`${env.url}/console/assets/console.css`);
  const cached = await fetch(`${env.url}/console/assets/console.css`, { headers: { 'If-None-Match': ledger.headers.get('etag')! } });
  assert.equal(cached.status, 304);
});

test('each asset is served with its content type', async () => {
  const types: Record<string, string> = {
    'console.css': 'text/css; charset=utf-8',
    'console.js': 'text/javascript; charset=utf-8',
    'home.js': 'text/javascript; charset=utf-8',
    'icon.svg': 'image/svg+xml',
  };
  for (const [asset, type] of Object.entries(types)) {
    const response = await request(`${env.url}/console/assets/${asset}`);
    assert.equal(response.status, 200, asset);
    assert.equal(response.headers.get('content-type'), type, asset);
  }
});

test('an asset not on the list is 404 with the error body, and no path leaves the folder', async () => {
  const missing = await request(`${env.url}/console/assets/nothing.js`);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, { erro: 'rota não encontrada' });
  for (const path of ['/console/assets/..%2F..%2Fpackage.json', '/console/assets/%2e%2e%2fmodule.js', '/console/assets/../../package.json', '/console/assets/index.html/..', '/console/assets/']) {
    const answer = await rawExchange(env.stack.instances[0]!.port, formatRequest('GET', path), 5000);
    assert.equal(answer?.status, 404, `${path} -> ${answer?.status} ${answer?.body.toString().slice(0, 80)}`);
    assert.doesNotMatch(answer!.body.toString(), /"name": "crebitos"/);
  }
});

test('the ledger events start with a snapshot at once, through nginx, and show a new transaction within about a second', async () => {
  const stream = await EventStreamReader.open(`${env.url}/console/ledger/events`);
  try {
    assert.equal(stream.response.status, 200);
    assert.equal(stream.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(stream.response.headers.get('cache-control'), 'no-store');
    const first = await stream.nextOf('snapshot', 3000);
    assert.ok(first, 'a first snapshot');
    const before = JSON.parse(first.data);
    const saldo = before.accounts.find((a: { id: number }) => a.id === 3).saldo;
    assert.equal((await postTransaction(env.url, 3, { valor: 777, tipo: 'c', descricao: 'live' })).status, 200);
    const startedAt = Date.now();
    for (;;) {
      const event = await stream.nextOf('snapshot', 3000);
      assert.ok(event, 'snapshots keep coming');
      const snapshot = JSON.parse(event.data);
      if (snapshot.accounts.find((a: { id: number }) => a.id === 3).saldo === saldo + 777) {
        assert.equal(snapshot.transactions[0].descricao, 'live');
        break;
      }
      assert.ok(Date.now() - startedAt < 3000, 'the credit shows within 3 s');
    }
  } finally {
    stream.close();
  }
});

test(`an instance serves at most ${MAX_LEDGER_VIEWERS} ledger watchers: the next gets 429 with the error body`, async () => {
  const streams = await Promise.all(Array.from({ length: MAX_LEDGER_VIEWERS }, () => EventStreamReader.open(`${instanceUrl(0)}/console/ledger/events`)));
  try {
    assert.ok(streams.every((stream) => stream.response.status === 200));
    const refused = await request(`${instanceUrl(0)}/console/ledger/events`);
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.json, { erro: 'conexões de eventos demais abertas nesta instância' });
  } finally {
    for (const stream of streams) stream.close();
  }
  // The closed streams free their places.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const again = await EventStreamReader.open(`${instanceUrl(0)}/console/ledger/events`);
  assert.equal(again.response.status, 200);
  again.close();
});

test('a draining instance ends its event streams at once, so its drain is not held up for the grace period', async () => {
  const instance = env.stack.instances[1]!;
  const stream = await EventStreamReader.open(`${instanceUrl(1)}/console/ledger/events`);
  try {
    assert.ok(await stream.nextOf('snapshot', 3000));
    const startedAt = Date.now();
    const stopped = instance.stop('SIGTERM');
    assert.equal(await stream.endsWithin(3000), true, 'the stream ends');
    assert.equal(await stopped, 0);
    assert.ok(Date.now() - startedAt < 5000, `stopped in ${Date.now() - startedAt} ms, well before the 10 s grace`);
  } finally {
    stream.close();
    await instance.start();
  }
});
