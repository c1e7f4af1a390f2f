// The cluster's compose file (docker-compose.cluster.yml), checked statically because no Docker
// engine runs where the tests do: the topology of `npm run cluster`, with the same Patroni,
// HAProxy and API settings as the local cluster (scripts/lib/cluster-config.ts), so the two
// cannot drift apart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { CLUSTER_API_ENV } from '../../scripts/lib/cluster.js';
import { HAPROXY_CHECK, PATRONI_TIMING, patroniConfig } from '../../scripts/lib/cluster-config.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');
const compose = parse(read('docker-compose.cluster.yml'), { merge: true });
const patroni = parse(read('docker/patroni.yml'));
const haproxy = read('docker/haproxy.cfg');
const local = patroniConfig({
  name: 'pg1',
  ports: { postgres: 1, rest: 2 },
  etcdHosts: [],
  dataDir: '/d',
  runDir: '/r',
  binDir: '/b',
  superuserPassword: 'x',
  replicationPassword: 'y',
}) as any;

test('3 etcd, 3 Patroni members, HAProxy, 4 API instances and nginx', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), [
    'api01', 'api02', 'api03', 'api04', 'createdb', 'etcd1', 'etcd2', 'etcd3', 'haproxy', 'nginx', 'pg1', 'pg2', 'pg3',
  ]);
  for (const name of ['etcd1', 'etcd2', 'etcd3']) {
    const env = compose.services[name].environment;
    assert.equal(env.ETCD_NAME, name);
    assert.equal(env.ETCD_INITIAL_CLUSTER.split(',').length, 3, `${name} knows its two peers`);
  }
  for (const name of ['pg1', 'pg2', 'pg3']) {
    const service = compose.services[name];
    assert.equal(service.environment.PATRONI_NAME, name);
    assert.equal(service.environment.PATRONI_POSTGRESQL_CONNECT_ADDRESS, `${name}:5432`);
    assert.match(service.environment.PATRONI_ETCD3_HOSTS, /etcd1:2379.*etcd2:2379.*etcd3:2379/);
    assert.equal(service.user, 'postgres');
    assert.ok(service.volumes.some((volume: string) => volume.endsWith(':/var/lib/patroni')), `${name} keeps its data in a volume`);
  }
});

test('a restarted member waits longer than the leader key ttl before its Patroni starts (a real failover, then it rejoins)', () => {
  for (const name of ['pg1', 'pg2', 'pg3']) {
    const service = compose.services[name];
    assert.equal(service.restart, 'unless-stopped');
    const delay = Number(/sleep (\d+) && exec patroni/.exec(service.command.join(' '))?.[1]);
    assert.ok(delay > patroni.bootstrap.dcs.ttl, `${name} waits ${delay} s > ttl ${patroni.bootstrap.dcs.ttl} s`);
  }
});

test('Patroni runs with the local cluster\'s timing and strict synchronous replication', () => {
  const dcs = patroni.bootstrap.dcs;
  assert.deepEqual(
    { ttl: dcs.ttl, loopWait: dcs.loop_wait, retryTimeout: dcs.retry_timeout },
    { ttl: PATRONI_TIMING.ttl, loopWait: PATRONI_TIMING.loopWait, retryTimeout: PATRONI_TIMING.retryTimeout },
  );
  assert.ok(dcs.loop_wait + 2 * dcs.retry_timeout <= dcs.ttl, 'loop_wait + 2 x retry_timeout <= ttl');
  for (const key of ['synchronous_mode', 'synchronous_mode_strict', 'synchronous_node_count', 'maximum_lag_on_failover']) {
    assert.deepEqual(dcs[key], local.bootstrap.dcs[key], key);
  }
  assert.equal(dcs.synchronous_mode, true);
  assert.equal(dcs.synchronous_mode_strict, true);
  assert.deepEqual(dcs.postgresql, local.bootstrap.dcs.postgresql, 'the same Postgres settings (durability on, no slots, fast WAL retry)');
  assert.deepEqual(patroni.bootstrap.initdb, local.bootstrap.initdb);
  assert.equal(patroni.postgresql.bin_dir, '/usr/lib/postgresql/15/bin');
});

test('HAProxy sends connections to the member whose Patroni says /primary, with the local checks', () => {
  assert.match(haproxy, /http-check send meth GET uri \/primary/);
  assert.match(haproxy, /http-check expect status 200/);
  assert.match(haproxy, new RegExp(`inter ${HAPROXY_CHECK.interMs}ms .*fall ${HAPROXY_CHECK.fall} rise ${HAPROXY_CHECK.rise} on-marked-down shutdown-sessions`));
  for (const name of ['pg1', 'pg2', 'pg3']) assert.match(haproxy, new RegExp(`server ${name} ${name}:5432 .*check port 8008`));
  assert.doesNotMatch(haproxy, /\/replica/, 'no replica reads: balances are read from the primary only');
});

test('the API instances point at HAProxy, wait across a switchover, and nginx balances all four', () => {
  for (const name of ['api01', 'api02', 'api03', 'api04']) {
    const env = compose.services[name].environment;
    assert.match(env.DATABASE_URL, /@haproxy:5432\/crebitos$/, name);
    assert.equal(env.DB_FAILOVER_WAIT_MS, CLUSTER_API_ENV.DB_FAILOVER_WAIT_MS, name);
    assert.deepEqual(compose.services[name].depends_on, { createdb: { condition: 'service_completed_successfully' } });
  }
  assert.deepEqual(Object.keys(compose.services.nginx.depends_on).sort(), ['api01', 'api02', 'api03', 'api04']);
  const cluster = read('docker/nginx-cluster.conf');
  const rinha = read('nginx/nginx.conf');
  const withoutHeader = (text: string) => text.replace(/^(#[^\n]*\n)+/, '').replace(/        server api0[34]:8080 max_fails=0;\n/g, '');
  assert.equal(withoutHeader(cluster), withoutHeader(rinha), 'docker/nginx-cluster.conf is nginx/nginx.conf with api03 and api04 added');
  for (const name of ['api01', 'api02', 'api03', 'api04']) assert.match(cluster, new RegExp(`server ${name}:8080 max_fails=0;`));
});
