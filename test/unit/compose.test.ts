// Docker cannot run here, so the compose topology is checked statically: services, the Rinha
// limits, start order, nginx pointing at both instances, and an image that runs as non-root.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_API_NODE_FLAGS } from '../../scripts/lib/stack.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true });
const nginxConf = read('nginx/nginx.conf');
const dockerfile = read('Dockerfile');

test('compose has exactly db, api01, api02 and nginx', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), ['api01', 'api02', 'db', 'nginx']);
});

test('every service declares CPU and memory limits (in MB) that sum to at most 1.5 CPU and 550MB', () => {
  let cpus = 0;
  let memory = 0;
  for (const [name, service] of Object.entries<any>(compose.services)) {
    const limits = service.deploy?.resources?.limits;
    assert.ok(limits, `${name} has deploy.resources.limits`);
    assert.match(String(limits.cpus), /^\d+(\.\d+)?$/, `${name} cpus`);
    assert.match(String(limits.memory), /^\d+MB$/, `${name} memory is written in MB`);
    cpus += Number(limits.cpus);
    memory += Number.parseInt(limits.memory, 10);
  }
  assert.ok(Math.round(cpus * 1000) <= 1500, `total cpus ${cpus}`);
  assert.ok(memory <= 550, `total memory ${memory}MB`);
});

test('nginx publishes 9999 with the repository nginx.conf, after both instances are healthy', () => {
  const nginx = compose.services.nginx;
  assert.ok(nginx.ports.some((port: string) => /^"?9999:9999"?$/.test(String(port))));
  assert.ok(nginx.volumes.some((volume: string) => volume.startsWith('./nginx/nginx.conf:/etc/nginx/nginx.conf')));
  assert.deepEqual(nginx.depends_on, { api01: { condition: 'service_healthy' }, api02: { condition: 'service_healthy' } });
});

test('nginx.conf balances round-robin over both instances on the port they listen on, and listens on 9999', () => {
  const upstream = /upstream api \{([^}]*)\}/.exec(nginxConf)?.[1] ?? '';
  const servers = [...upstream.matchAll(/^\s*server\s+([^\s;]+)/gm)].map((match) => match[1]);
  for (const name of ['api01', 'api02']) {
    const port = compose.services[name].environment.PORT;
    assert.ok(servers.includes(`${name}:${port}`), `upstream has ${name}:${port}`);
  }
  assert.equal(servers.length, 2);
  assert.doesNotMatch(upstream, /least_conn|ip_hash|hash |random/, 'round-robin is the default balancing');
  assert.match(nginxConf, /listen 9999\b/);
  assert.match(nginxConf, /access_log off;/);
  // Upstream keepalive below uWS's 10 s idle timeout.
  const keepalive = Number(/keepalive_timeout (\d+)s;\s*\n\s*\}/.exec(nginxConf)?.[1]);
  assert.ok(keepalive > 0 && keepalive < 10, `upstream keepalive_timeout ${keepalive}s`);
  assert.doesNotMatch(nginxConf, /non_idempotent/, 'a POST is never re-sent to the other instance');
});

test('the instances wait for a healthy database and are health-checked themselves', () => {
  for (const name of ['api01', 'api02']) {
    const api = compose.services[name];
    assert.deepEqual(api.depends_on, { db: { condition: 'service_healthy' } });
    assert.match(String(api.healthcheck?.test), /GET \/ready /, `${name} is healthy when GET /ready is 200`);
    assert.equal(api.environment.MODULES, 'ledger', 'the Rinha shape runs the ledger alone');
    assert.equal(api.environment.HOST, '0.0.0.0');
    assert.match(api.environment.DATABASE_URL, /@db:5432\//);
  }
  assert.ok(compose.services.db.healthcheck?.test);
});

test('the instances cap the old generation in NODE_OPTIONS below the memory limit, and the node flags leave NODE_OPTIONS alone', () => {
  for (const name of ['api01', 'api02']) {
    const api = compose.services[name];
    const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(api.environment.NODE_OPTIONS)?.[1]);
    assert.ok(oldSpace > 0 && oldSpace < Number.parseInt(api.deploy.resources.limits.memory, 10), `${name}: old space ${oldSpace} MB within its limit`);
    // A flag in both places would make the command line's win silently.
    for (const flag of DEFAULT_API_NODE_FLAGS) assert.doesNotMatch(api.environment.NODE_OPTIONS, new RegExp(flag.split('=')[0]!), name);
  }
});

test('the database keeps default durability: nothing switches fsync, synchronous_commit or full_page_writes off', () => {
  const command = String(compose.services.db.command);
  assert.doesNotMatch(command, /fsync|synchronous_commit|full_page_writes/);
  for (const file of readdirSync(new URL('sql/migrations/', root))) assert.doesNotMatch(read(`sql/migrations/${file}`), /UNLOGGED/i, file);
});

test('the image runs compiled code as a non-root user with an exec-form command on glibc', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1]!;
  assert.match(final, /^node:20-bookworm/, 'bookworm: the uWS binary needs glibc');
  assert.match(final, /^USER (?!root)\w+/m);
  const cmd = /^CMD (\[.*\])$/m.exec(final)?.[1];
  assert.ok(cmd, 'an exec-form CMD');
  // The image's instances start with the local stack's node flags (the same memory behaviour).
  assert.deepEqual(JSON.parse(cmd), ['node', ...DEFAULT_API_NODE_FLAGS, 'dist/src/main.js']);
  assert.match(final, /^COPY sql \.\/sql$/m, 'migrations ship with the image');
});

test('nginx.conf forwards Accept (the pix streams answer by it) and keeps a long poll open past its longest wait', () => {
  assert.match(nginxConf, /proxy_pass_request_headers off;/, 'no other client header reaches uWS');
  assert.match(nginxConf, /proxy_set_header Accept \$http_accept;/);
  const readTimeout = Number(/proxy_read_timeout (\d+)s;/.exec(nginxConf)?.[1]);
  // PIX_POLL_WAIT_MS is at most 25 s (src/config.ts): nginx must wait longer for the answer.
  assert.ok(readTimeout > 25, `proxy_read_timeout ${readTimeout}s`);
});
