// `npm run cluster`: many API nodes over a high-availability Postgres cluster, in the
// foreground: 3 etcd, 3 Postgres nodes under Patroni (synchronous replication), HAProxy to the
// primary, N API instances and nginx on one port. Ctrl-C stops all of it. A Patroni member that
// dies is started again after longer than the leader key's ttl, so it rejoins as a replica.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { apiSettingsFrom } from '../kit/api-env.js';
import { integerFlag, optionsOrExit, parseFlags } from '../kit/cli.js';
import { CLUSTER_API_ENV, PostgresCluster } from './lib/cluster.js';
import { PATRONI_TIMING } from './lib/cluster-config.js';
import { ensureDatabase, Stack } from './lib/stack.js';

const HELP = `Usage: npm run cluster [-- --nodes 4] [-- --fresh] [-- --help]

  --nodes N      API instances behind nginx (default CLUSTER_NODES or 4; 1 to 9)
  --fresh        delete the cluster's data (DATA_DIR/cluster) first
  -h, --help     show this help

Environment:
  PORT           public port of nginx (default 9999)
  DATA_DIR       where the cluster keeps its members' data and logs (default .data; the cluster in DATA_DIR/cluster)
  CLUSTER_BASE_PORT  first of the 13 fixed loopback ports of etcd, Postgres, Patroni and HAProxy (default 15400);
                 fixed because etcd and Patroni remember their members' addresses across restarts
  CLUSTER_NODES  as --nodes
  Any API setting (DB_POOL_SIZE, DB_FAILOVER_WAIT_MS, LOG_LEVEL, ...) is passed to every instance.

Needs Debian's patroni, etcd-server and haproxy and postgresql-15 (.ci/run installs them).
`;

function log(message: string): void {
  process.stderr.write(`[cluster] ${message}\n`);
}

async function main(): Promise<void> {
  const env = process.env;
  const flags = optionsOrExit(() => {
    const values = parseFlags(process.argv.slice(2), { nodes: { type: 'string' }, fresh: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
    return {
      nodes: integerFlag('nodes', values.nodes ?? env.CLUSTER_NODES, 4, { min: 1, max: 9 }),
      fresh: values.fresh ?? false,
      help: values.help ?? false,
    };
  }, HELP);
  const port = Number(env.PORT ?? 9999);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const basePort = Number(env.CLUSTER_BASE_PORT ?? 15400);
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65500) throw new Error(`CLUSTER_BASE_PORT must be a port from 1024 to 65500, got ${env.CLUSTER_BASE_PORT}`);
  const dataDir = path.resolve(env.DATA_DIR ?? '.data');
  const workDir = path.join(dataDir, 'cluster');
  if (flags.fresh) await rm(workDir, { recursive: true, force: true });

  log(`starting 3 etcd, 3 Patroni/Postgres 15 members (synchronous, strict), HAProxy; data in ${workDir}`);
  const cluster = await PostgresCluster.start({ workDir, basePort, log });
  const primary = await cluster.primary();
  log(`cluster healthy: primary ${primary?.name}; HAProxy (writes, always the primary) on 127.0.0.1:${cluster.port}`);
  log(`Patroni ttl ${PATRONI_TIMING.ttl} s, loop_wait ${PATRONI_TIMING.loopWait} s, retry_timeout ${PATRONI_TIMING.retryTimeout} s; REST: ${cluster.members.map((m) => `${m.name} ${m.restUrl}`).join(', ')}`);
  await ensureDatabase(cluster.url(), 'crebitos');

  let stack: Stack;
  try {
    stack = await Stack.start({
      port,
      dataDir,
      databaseUrl: cluster.url('crebitos'),
      loadBalancer: 'nginx',
      instances: flags.nodes,
      apiEnv: { ...CLUSTER_API_ENV, ...apiSettingsFrom(env) },
    });
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  log(`instances: ${stack.instances.map((i) => `${i.name} pid ${i.pid} port ${i.port}`).join(', ')}`);
  log(`ready: ${stack.url}  (Ctrl-C stops everything)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await stack.stop();
    await cluster.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  for (const instance of stack.instances) {
    void instance.exited.then((code) => {
      if (!stopping) log(`${instance.name} exited with code ${code}`);
    });
  }
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
