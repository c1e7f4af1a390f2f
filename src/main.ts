// The only module with side effects: config -> migrations -> pool -> listen -> drain on SIGTERM.
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { PgLedgerStore } from './db/ledger-store.js';
import { createHttpServer } from './http/server.js';
import { createLedger } from './ledger/ledger.js';
import { log, setLogLevel } from './log.js';

const STARTUP_DB_WAIT_MS = 30_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`crebitos: ${error.message}\n`);
    process.exit(2);
  }
  setLogLevel(config.logLevel);

  if (config.migrateOnStart) {
    const report = await retryWhileUnreachable(() => migrate(config.databaseUrl));
    if (report.applied.length > 0) log.info('migrations applied', { applied: report.applied });
  }

  const pool = createPool(config);
  const store = new PgLedgerStore(pool, {
    maxInFlight: config.dbBatchesInFlight,
    batchMax: config.batchMax,
    queueMax: config.queueMax,
  });
  await retryWhileUnreachable(() => store.warmUp(config.dbPoolSize));

  const server = createHttpServer(createLedger(store));
  const port = await server.listen(config.host, config.port, config.reusePort);
  log.info('listening', { host: config.host, port, reusePort: config.reusePort, dbPoolSize: config.dbPoolSize });
  // A supervisor that started us with an IPC channel (scripts/lib/stack.ts) learns we are ready.
  if (process.send) {
    process.send({ ready: true, port });
    process.channel?.unref();
  }

  let stopping = false;
  const drain = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('draining', { signal, graceMs: config.shutdownGraceMs });
    server.stopListening();
    server.state.draining = true;
    const startedAt = Date.now();
    const hardDeadline = startedAt + config.shutdownGraceMs + config.dbQueryTimeoutMs + 2000;
    // Keep serving connections we already have until the load balancer has dropped its idle
    // ones (its keepalive timeout is below the grace) and nothing is in flight.
    while (Date.now() < hardDeadline && (Date.now() - startedAt < config.shutdownGraceMs || server.state.inFlight > 0 || store.pending > 0)) {
      await sleep(25);
    }
    await pool.end().catch(() => {});
    log.info('stopped', { unanswered: server.state.inFlight });
    process.exit(0);
  };
  process.once('SIGTERM', () => void drain('SIGTERM'));
  process.once('SIGINT', () => void drain('SIGINT'));
}

async function retryWhileUnreachable<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + STARTUP_DB_WAIT_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const unreachable = code === undefined || code === 'ECONNREFUSED' || code === '57P03' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
      if (!unreachable || Date.now() > deadline) throw error;
      log.warn('waiting for the database', { error: (error as Error).message });
      await sleep(500);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  log.error('failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
