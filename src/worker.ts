// The background process: the modules' jobs, today the transfers' notifications (and the purge of
// expired idempotency keys, tokens and login windows). Reads the same environment as the API
// (src/config.ts); applies the migrations too (under the same advisory lock), so it can start
// before or after the instances. Several workers may run at once. SIGTERM/SIGINT: stop claiming,
// record what is in flight, exit.
import { ConfigError, loadConfig, type Config } from './config.js';
import { classifyDatabaseError } from './kernel/database-errors.js';
import { log, setLogLevel } from './kernel/log.js';
import { migrate, readExpectedSchema } from './kernel/migrations.js';
import { createPool } from './kernel/pool.js';
import { Notifier } from './transfers/notifier.js';

const STARTUP_DB_WAIT_MS = 60_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
    if (config.transfers.notifyUrl === undefined) throw new ConfigError('Invalid configuration:\n  - NOTIFY_URL is required by the worker');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`crebitos worker: ${error.message}\n`);
    process.exit(2);
  }
  setLogLevel(config.logLevel);
  const deadline = Date.now() + STARTUP_DB_WAIT_MS;
  const pool = createPool({ ...config, dbPoolSize: Math.max(config.dbPoolSize, 6) });
  const notifier = new Notifier(pool, config.transfers);
  for (;;) {
    try {
      if (config.migrateOnStart) await migrate(config.databaseUrl, await readExpectedSchema());
      await notifier.start();
      break;
    } catch (error) {
      if (classifyDatabaseError(error) !== 'unavailable' || Date.now() > deadline) throw error;
      log.warn('waiting for the database', { error: (error as Error).message });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  log.info('worker started', { notifyUrl: config.transfers.notifyUrl, concurrency: config.transfers.notifyConcurrency, maxAttempts: config.transfers.notifyMaxAttempts });
  if (process.send) {
    process.send({ ready: true });
    process.channel?.unref();
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('worker stopping', { signal });
    await notifier.stop();
    await pool.end().catch(() => {});
    log.info('worker stopped', { ...notifier.stats });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  log.error('worker failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
