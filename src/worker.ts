// The background process: the modules' jobs: the transfers' notifications (and the purge of
// expired idempotency keys, tokens and login windows) when NOTIFY_URL is set, and the billing
// module's boletos and e-mails when SMTP_URL is set (src/billing/processor.ts). Reads the same environment as the API
// (src/config.ts); applies the migrations too (under the same advisory lock), so it can start
// before or after the instances. Several workers may run at once. SIGTERM/SIGINT: stop claiming,
// record what is in flight, exit.
import { ConfigError, loadConfig, type Config } from './config.js';
import { classifyDatabaseError } from './kernel/database-errors.js';
import { log, setLogLevel } from './kernel/log.js';
import { migrate, readExpectedSchema } from './kernel/migrations.js';
import { createPool } from './kernel/pool.js';
import { BillingProcessor } from './billing/processor.js';
import { Notifier } from './transfers/notifier.js';

const STARTUP_DB_WAIT_MS = 60_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
    const notifies = config.modules.includes('transfers') && config.transfers.notifyUrl !== undefined;
    const bills = config.modules.includes('billing') && config.billing.smtpUrl !== undefined;
    if (!notifies && !bills) {
      throw new ConfigError('Invalid configuration:\n  - NOTIFY_URL is required by the worker (or SMTP_URL, for the billing module\'s e-mails)');
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`crebitos worker: ${error.message}\n`);
    process.exit(2);
  }
  setLogLevel(config.logLevel);
  const deadline = Date.now() + STARTUP_DB_WAIT_MS;
  const pool = createPool({ ...config, dbPoolSize: Math.max(config.dbPoolSize, 10) });
  const notifier = config.modules.includes('transfers') && config.transfers.notifyUrl !== undefined ? new Notifier(pool, config.transfers) : undefined;
  const billing = config.modules.includes('billing') && config.billing.smtpUrl !== undefined ? new BillingProcessor(pool, config.billing) : undefined;
  for (;;) {
    try {
      if (config.migrateOnStart) await migrate(config.databaseUrl, await readExpectedSchema());
      await notifier?.start();
      await billing?.start();
      break;
    } catch (error) {
      if (classifyDatabaseError(error) !== 'unavailable' || Date.now() > deadline) throw error;
      log.warn('waiting for the database', { error: (error as Error).message });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  if (notifier) log.info('worker delivers notifications', { notifyUrl: config.transfers.notifyUrl, concurrency: config.transfers.notifyConcurrency, maxAttempts: config.transfers.notifyMaxAttempts });
  else log.warn('worker delivers no notifications (NOTIFY_URL is not set, or transfers is not in MODULES)');
  if (billing) log.info('worker issues boletos and sends e-mails', { smtpConnections: config.billing.smtpConnections, maxAttempts: config.billing.emailMaxAttempts });
  else log.warn('worker sends no billing e-mails (SMTP_URL is not set, or billing is not in MODULES)');
  if (process.send) {
    process.send({ ready: true });
    process.channel?.unref();
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('worker stopping', { signal });
    await Promise.all([notifier?.stop(), billing?.stop()]);
    await pool.end().catch(() => {});
    log.info('worker stopped', { notifications: notifier?.stats, billing: billing?.stats });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  log.error('worker failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
