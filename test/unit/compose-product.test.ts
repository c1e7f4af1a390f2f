// The full product's compose file (docker-compose.product.yml), checked statically: every
// module on, a worker, the mock reached by the instances, the admin token from the operator,
// default durability, and an image stage for the mock that is not the API's final stage.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');
const compose = parse(read('docker-compose.product.yml'), { merge: true });
const rinha = parse(read('docker-compose.yml'), { merge: true });

test('the product runs db, two instances, nginx, a worker and the mock', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), ['api01', 'api02', 'db', 'mock', 'nginx', 'worker']);
});

test('the instances serve every module (no MODULES), the Rinha compose only the ledger', () => {
  for (const name of ['api01', 'api02']) {
    assert.equal(compose.services[name].environment.MODULES, undefined, `${name} runs the default: every module`);
    assert.equal(compose.services[name].environment.HOST, '0.0.0.0');
  }
  for (const name of ['api01', 'api02']) assert.equal(rinha.services[name].environment.MODULES, 'ledger');
});

test('the instances and the worker reach the mock authorizer and notifier, and the database', () => {
  for (const name of ['api01', 'api02', 'worker']) {
    const env = compose.services[name].environment;
    assert.equal(env.AUTHORIZER_URL, 'http://mock:8090/authorize', name);
    assert.equal(env.NOTIFY_URL, 'http://mock:8090/notify', name);
    assert.match(env.DATABASE_URL, /@db:5432\//, name);
    assert.equal(env.ADMIN_TOKEN, '${ADMIN_TOKEN:-}', `${name}: the admin token comes from the operator, off when unset`);
  }
  assert.deepEqual(compose.services.worker.command, ['node', 'dist/src/worker.js']);
  assert.deepEqual(compose.services.worker.depends_on, { db: { condition: 'service_healthy' } });
  assert.match(String(compose.services.mock.command), /8090/);
  assert.equal(compose.services.mock.build.target, 'mock');
});

test('the Dockerfile has a mock stage, and the API stays the final stage', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  assert.ok(stages.some((stage) => /^node:20-bookworm-slim AS mock\b/.test(stage)));
  assert.match(stages[stages.length - 1]!, /^CMD \["node", .*"dist\/src\/main\.js"\]$/m);
});

test('the product database keeps default durability, and nginx forwards the two headers the modules read', () => {
  assert.doesNotMatch(String(compose.services.db.command), /fsync|synchronous_commit|full_page_writes/);
  const nginx = read('nginx/nginx.conf');
  assert.match(nginx, /proxy_set_header Authorization \$http_authorization;/);
  assert.match(nginx, /proxy_set_header Idempotency-Key \$http_idempotency_key;/);
  assert.doesNotMatch(read('sql/migrations/0002_transfers_schema.sql'), /UNLOGGED/i);
});
