// `npm start`: the whole stack in the foreground: Postgres (DATABASE_URL, or an embedded server
// whose data stays in .data/), two API instances and the load balancer on :9999. Ctrl-C stops all.
import path from 'node:path';
import { apiSettingsFrom } from '../kit/api-env.js';
import { optionsOrExit, parseFlags } from '../kit/cli.js';
import { applyComposeLimits, type ComposeLimits } from './lib/limits.js';
import { Stack, type LoadBalancer } from './lib/stack.js';

const HELP = `Usage: npm start [-- --limits] [-- --help]

  --limits       run each service (db, api01, api02, nginx) in its own cgroup with the CPU and
                 memory limits of docker-compose.yml, and the settings compose gives them (API
                 environment, Postgres -c); prints each one's peak memory and CPU time at exit.
                 Needs root (or a delegated cgroup v2 subtree: LIMITS_CGROUP_PARENT). Same as LIMITS=1.
  -h, --help     show this help

Environment:
  PORT           public port of the load balancer (default 9999)
  HOST           address it binds (default 127.0.0.1)
  DATABASE_URL   use this Postgres; without it an embedded Postgres runs with data in DATA_DIR
  DATA_DIR       where the embedded Postgres and nginx keep their files (default .data)
  LOAD_BALANCER  auto (default: nginx when installed, else SO_REUSEPORT), nginx or reuseport
  AUTHORIZER_URL, NOTIFY_URL  the transfers' authorizer and notifier; when neither is set, the
                 mock (scripts/lib/mock-services.ts) runs on a free loopback port and serves both
  SMTP_URL       where the worker sends the billing e-mails; when not set, a local SMTP server
                 (scripts/lib/smtp-sink.ts) runs on a free loopback port and keeps every message
                 it receives in mbox files under DATA_DIR/mail
  WORKERS        worker processes (notifications, boletos, e-mails; default 1)
  Any API setting (DB_POOL_SIZE, BATCH_MAX, LOG_LEVEL, ...) is passed to both instances and the workers.
`;

async function main(): Promise<void> {
  const flags = optionsOrExit(() => {
    const values = parseFlags(process.argv.slice(2), { limits: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
    return { limits: values.limits ?? false, help: values.help ?? false };
  }, HELP);
  const env = process.env;
  const loadBalancer = (env.LOAD_BALANCER ?? 'auto') as LoadBalancer | 'auto';
  if (!['auto', 'nginx', 'reuseport'].includes(loadBalancer)) throw new Error(`LOAD_BALANCER must be auto, nginx or reuseport`);
  const port = Number(env.PORT ?? 9999);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);

  const apiEnv = apiSettingsFrom(env);
  const mockServices = env.AUTHORIZER_URL === undefined && env.NOTIFY_URL === undefined;
  const workers = Number(env.WORKERS ?? 1);
  if (!Number.isInteger(workers) || workers < 0 || workers > 16) throw new Error(`WORKERS must be an integer from 0 to 16, got ${env.WORKERS}`);
  const dataDir = path.resolve(env.DATA_DIR ?? '.data');
  let limits: ComposeLimits | undefined;
  if (flags.limits || env.LIMITS === '1' || env.LIMITS === 'true') {
    limits = await applyComposeLimits();
    log(`limits: cgroup v${limits.cgroupVersion} at ${limits.location}: ${limits.services.map((s) => `${s.service} ${s.cpus} CPU ${s.memoryText}`).join(', ')}`);
    for (const problem of limits.budgetProblems) log(`warning: docker-compose.yml is over the Rinha budget: ${problem}`);
    // What compose runs with these limits; the caller's own environment still wins.
    for (const [name, value] of Object.entries(limits.runtime.apiEnv)) apiEnv[name] ??= value;
  }
  log(env.DATABASE_URL ? 'using DATABASE_URL' : `starting embedded Postgres (data in ${path.join(dataDir, 'postgres')})`);
  const stack = await Stack.start({
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    loadBalancer,
    apiEnv,
    mockServices,
    smtpSink: env.SMTP_URL === undefined || env.SMTP_URL === '',
    workers,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(limits ? { wrapCommand: limits.wrapCommand, postgresSettings: limits.runtime.postgresSettings } : {}),
  }).catch(async (error: unknown) => {
    await limits?.cleanup().catch((cleanupError: Error) => log(cleanupError.message));
    throw error;
  });
  log(`load balancer: ${stack.loadBalancer === 'nginx' ? 'nginx (round-robin)' : 'none found: the two instances share the port through SO_REUSEPORT'}`);
  log(`instances: ${stack.instances.map((i) => `${i.name} pid ${i.pid} port ${i.port}`).join(', ')}`);
  if (stack.mockUrl) log(`mock authorizer/notifier: ${stack.mockUrl} (AUTHORIZER_URL and NOTIFY_URL were not set)`);
  if (stack.mailDir) log(`local SMTP server: ${stack.apiEnv.SMTP_URL}, messages kept in ${stack.mailDir} (SMTP_URL was not set)`);
  if (stack.workers.length > 0) log(`workers: ${stack.workers.map((w) => `${w.name} pid ${w.pid}`).join(', ')}`);
  log(`ready: ${stack.url}  (Ctrl-C stops everything)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await stack.stop();
    if (limits) {
      process.stderr.write(`${await limits.report()}\n`);
      await limits.cleanup().catch((error: Error) => log(error.message));
    }
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // An instance dying on its own is reported, not hidden.
  for (const instance of [...stack.instances, ...stack.workers]) {
    void instance.exited.then((code) => {
      if (!stopping) log(`${instance.name} exited with code ${code}`);
    });
  }
}

function log(message: string): void {
  process.stderr.write(`[crebitos] ${message}\n`);
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
