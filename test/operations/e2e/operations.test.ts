// The operations endpoints every module shares, through nginx and on each instance: liveness,
// readiness (database, schema, draining), Prometheus metrics, the OpenAPI document and its page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parse } from 'yaml';
import { postTransaction, request } from '../../helpers/http.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { formatRequest, RawConnection } from '../../helpers/raw-http.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let env: TestStack;
let contract: OpenApiContract;
before(async () => {
  env = await startTestStack('operations', { apiEnv: { SHUTDOWN_GRACE_MS: '10000' } });
  contract = await OpenApiContract.fetch(env.url);
  installContract(contract);
});
after(async () => {
  await env?.stop();
});

const instanceUrl = (i: number) => `http://127.0.0.1:${env.stack.instances[i]!.port}`;

test('GET /health answers 200 {"status":"ok"} without touching the database', async () => {
  const response = await request(`${env.url}/health`);
  assert.equal(response.status, 200);
  assert.deepEqual(response.json, { status: 'ok' });
});

test('GET /ready is 200 when the database answers and every migration and function is applied', async () => {
  for (const base of [env.url, instanceUrl(0), instanceUrl(1)]) {
    const response = await request(`${base}/ready`);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, { status: 'ready', reasons: [] });
  }
});

test("compose's API healthcheck command passes against a ready instance", () => {
  const compose = parse(readFileSync(new URL('../../../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true });
  const [kind, shell, flag, script] = compose.services.api01.healthcheck.test as string[];
  assert.deepEqual([kind, shell, flag], ['CMD', 'bash', '-c']);
  assert.match(script!, /GET \/ready /);
  const result = spawnSync('bash', ['-c', script!.replace('/127.0.0.1/8080', `/127.0.0.1/${env.stack.instances[0]!.port}`)], { timeout: 10_000 });
  assert.equal(result.status, 0, result.stderr.toString());
});

test('GET /ready is 503 naming the function when a SQL function the code expects is not applied', async () => {
  const { rows } = await env.db.pool.query("DELETE FROM schema_functions WHERE file = 'ledger/max_balance.sql' RETURNING file, checksum");
  try {
    const response = await request(`${instanceUrl(0)}/ready`);
    assert.equal(response.status, 503);
    assert.deepEqual(response.json, { status: 'not_ready', reasons: ['function ledger/max_balance.sql not applied'] });
  } finally {
    await env.db.pool.query('INSERT INTO schema_functions (file, checksum) VALUES ($1, $2)', [rows[0].file, rows[0].checksum]);
  }
  assert.equal((await request(`${instanceUrl(0)}/ready`)).status, 200);
});

test('GET /openapi.json is a valid OpenAPI 3.1 document, and every operation it lists is routed', async () => {
  const validator = new Validator();
  const result = await validator.validate(contract.document as never);
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');
  const operations = Object.entries(contract.document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ path, method })));
  assert.ok(operations.length >= 8, `${operations.length} operations`);
  type Described = { parameters?: { name: string; schema?: { enum?: string[] } }[]; responses: Record<string, { content?: Record<string, unknown> }> };
  for (const { path, method } of operations) {
    const operation = (contract.document.paths[path] as unknown as Record<string, Described>)[method]!;
    // A path parameter with a fixed list of values (a static file's name) takes the first of them.
    const firstOf = (name: string) => operation.parameters?.find((p) => p.name === name)?.schema?.enum?.[0];
    const concrete = path.replace('{id}', '1').replace('{asset}', firstOf('asset') ?? 'init.js');
    if (operation.responses['200']?.content?.['text/event-stream'] !== undefined) {
      // A stream never ends: its status and content type say it is routed.
      const controller = new AbortController();
      const stream = await fetch(`${env.url}${concrete}`, { signal: controller.signal });
      assert.equal(stream.status, 200, `${method.toUpperCase()} ${path}`);
      assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/, `${method.toUpperCase()} ${path} is documented but not routed`);
      controller.abort();
      continue;
    }
    const response = await request(`${env.url}${concrete}`, { method: method.toUpperCase(), ...(method === 'post' ? { body: {} } : {}) });
    assert.notDeepEqual(response.json, { erro: 'rota não encontrada' }, `${method.toUpperCase()} ${path} is documented but not routed`);
  }
});

test('GET /docs renders the document with the reference renderer served from the package', async () => {
  const page = await request(`${env.url}/docs`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.match(page.text, /<script src="\/docs\/swagger-ui-bundle\.js">/);
  assert.doesNotMatch(page.text, /https?:\/\//, 'the page fetches nothing from outside the service');
  const bundle = await request(`${env.url}/docs/swagger-ui-bundle.js`);
  assert.equal(bundle.status, 200);
  assert.ok(bundle.text.length > 500_000, 'the renderer bundle is served whole');
  assert.match((await request(`${env.url}/docs/init.js`)).text, /url: '\/openapi\.json'/);
  assert.equal((await request(`${env.url}/docs/nothing.js`)).status, 404);
});

test('GET /metrics counts requests by route template and status class, with pool and batch figures', async () => {
  for (let i = 0; i < 6; i++) await postTransaction(instanceUrl(0), 1, { valor: 1, tipo: 'c', descricao: `m${i}` });
  await postTransaction(instanceUrl(0), 1, { valor: 1, tipo: 'x', descricao: 'bad' });
  const response = await request(`${instanceUrl(0)}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/plain/);
  const count = (statusClass: string) =>
    Number(new RegExp(`crebitos_http_request_duration_seconds_count\\{method="POST",route="/clientes/\\{id\\}/transacoes",status_class="${statusClass}"\\} (\\d+)`).exec(response.text)?.[1]);
  assert.ok(count('2xx') >= 6, `2xx count in:\n${response.text.slice(0, 2000)}`);
  assert.ok(count('4xx') >= 1);
  assert.match(response.text, /crebitos_http_request_duration_seconds_bucket\{le="0.001",method="POST",route="\/clientes\/\{id\}\/transacoes",status_class="2xx"\}/);
  assert.match(response.text, /^crebitos_db_pool_connections \d+/m);
  assert.match(response.text, /^crebitos_ledger_queue_transactions \d+/m);
  assert.match(response.text, /^crebitos_ledger_call_transactions_count \d+/m);
  assert.match(response.text, /^crebitos_process_cpu_seconds_total /m);
});

test('GET /ready is 503 while the instance drains, on a connection it still serves', async () => {
  const instance = env.stack.instances[1]!;
  const connection = await RawConnection.open(instance.port);
  try {
    await connection.write(formatRequest('GET', '/ready'));
    assert.equal((await connection.readResponse(5000))?.status, 200);
    const stopped = instance.stop('SIGTERM');
    // The open connection keeps the instance draining (up to its 10 s grace) and served.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await connection.write(formatRequest('GET', '/ready'));
    const draining = await connection.readResponse(5000);
    assert.equal(draining?.status, 503);
    assert.deepEqual(JSON.parse(draining!.body.toString()), { status: 'not_ready', reasons: ['draining'] });
    assert.equal(draining?.headers.connection, 'close');
    const startedAt = Date.now();
    assert.equal(await stopped, 0);
    assert.ok(Date.now() - startedAt < 5000, 'with its last connection closed and nothing in flight, it stops before the grace ends');
  } finally {
    connection.destroy();
    await instance.start();
  }
});
