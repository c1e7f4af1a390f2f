// The only module with side effects: config -> schema -> pool -> modules -> listen -> drain.
import { ConfigError, loadConfig, type Config, type ModuleName } from './config.js';
import { classifyDatabaseError } from './kernel/database-errors.js';
import { createHttpServer, EdgeState } from './kernel/edge.js';
import { log, setLogLevel } from './kernel/log.js';
import { Metrics } from './kernel/metrics.js';
import { migrate, readExpectedSchema } from './kernel/migrations.js';
import type { Module, ModuleContext, ModuleFactory } from './kernel/module.js';
import { establishedConnections } from './kernel/open-connections.js';
import { buildOpenApiDocument, type OpenApiDocument } from './kernel/openapi.js';
import { createPool } from './kernel/pool.js';
import { createLedgerModule } from './ledger/module.js';
import { createOperationsModule } from './operations/module.js';
import { createTransfersModule } from './transfers/module.js';

/** The business modules MODULES can name; operations is always composed first. */
const MODULE_FACTORIES: Readonly<Record<ModuleName, ModuleFactory>> = {
  ledger: createLedgerModule,
  transfers: createTransfersModule,
};

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

  const schema = await readExpectedSchema();
  if (config.migrateOnStart) {
    const report = await retryWhileUnavailable(() => migrate(config.databaseUrl, schema));
    if (report.baselineAdopted) log.info('recognised the pre-baseline migration history as 0001_ledger.sql');
    if (report.applied.length > 0 || report.functionsApplied.length > 0) {
      log.info('schema updated', { migrations: report.applied, functions: report.functionsApplied });
    }
  }

  const pool = createPool(config);
  const metrics = new Metrics(config.metrics);
  metrics.gauge('crebitos_db_pool_connections', 'Open Postgres connections of this instance.', () => pool.totalCount);
  metrics.gauge('crebitos_db_pool_idle_connections', 'Open Postgres connections not running a query.', () => pool.idleCount);
  metrics.gauge('crebitos_db_pool_waiting_queries', 'Queries waiting for a pool connection.', () => pool.waitingCount);
  const edge = new EdgeState();
  let document: OpenApiDocument | undefined;
  const context: ModuleContext = { config, pool, metrics, edge, schema, openApiDocument: () => (document ??= buildOpenApiDocument(modules)) };
  const modules: Module[] = [createOperationsModule(context), ...config.modules.map((name) => MODULE_FACTORIES[name](context))];
  for (const module of modules) if (module.start) await retryWhileUnavailable(() => module.start!());

  const server = createHttpServer(metrics, edge);
  for (const module of modules) server.register(module.routes);
  const port = await server.listen(config.host, config.port, config.reusePort);
  log.info('listening', { host: config.host, port, reusePort: config.reusePort, modules: modules.map((m) => m.name), dbPoolSize: config.dbPoolSize });
  // A supervisor that started us with an IPC channel (scripts/lib/stack.ts) learns we are ready.
  if (process.send) {
    process.send({ ready: true, port });
    process.channel?.unref();
  }

  const pending = () => modules.reduce((sum, module) => sum + (module.pending?.() ?? 0), 0);
  let stopping = false;
  const drain = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('draining', { signal, graceMs: config.shutdownGraceMs });
    server.stopListening();
    edge.draining = true;
    const startedAt = Date.now();
    const hardDeadline = startedAt + config.shutdownGraceMs + config.dbQueryTimeoutMs + 2000;
    // Keep serving the connections we have (answering with Connection: close) until nothing is
    // in flight and either no connection is left open (a load balancer's idle keepalive
    // connection could still carry a request) or the grace period is over.
    for (;;) {
      const now = Date.now();
      if (now > hardDeadline) break;
      if (edge.inFlight === 0 && pending() === 0) {
        if (now - startedAt >= config.shutdownGraceMs) break;
        if ((await establishedConnections(port)) === 0) break;
      }
      await sleep(25);
    }
    await pool.end().catch(() => {});
    log.info('stopped', { unanswered: edge.inFlight, afterMs: Date.now() - startedAt });
    process.exit(0);
  };
  process.once('SIGTERM', () => void drain('SIGTERM'));
  process.once('SIGINT', () => void drain('SIGINT'));
}

/** Retries while the database is unavailable (for up to 30 s); any other failure stops at once. */
async function retryWhileUnavailable<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + STARTUP_DB_WAIT_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (classifyDatabaseError(error) !== 'unavailable' || Date.now() > deadline) throw error;
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
