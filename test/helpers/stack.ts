// The real topology for end-to-end tests: nginx (required: `.ci/run` installs it) in front of
// two API instances, on free loopback ports, on a fresh database of the test Postgres.
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { freePort } from '../../scripts/lib/ports.js';
import { Stack, type StackOptions } from '../../scripts/lib/stack.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestStack {
  readonly stack: Stack;
  readonly db: TestDatabase;
  /** Base URL of nginx, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  /** Lines the API instances printed (warnings and errors; info is off). */
  readonly logs: string[];
  stop(): Promise<void>;
}

export interface TestStackOptions {
  apiEnv?: Record<string, string>;
  instances?: number;
  loadBalancer?: StackOptions['loadBalancer'];
  /** Use this database instead of a fresh one on the test Postgres (e.g. a Postgres the test owns). */
  databaseUrl?: string;
  /** Worker processes delivering notifications (none by default). */
  workers?: number;
  /** Run the mock authorizer/notifier and point AUTHORIZER_URL/NOTIFY_URL at it. */
  mockServices?: boolean;
  /** Run the local SMTP server (messages under stack.mailDir) and point SMTP_URL at it. */
  smtpSink?: boolean;
}

export async function startTestStack(label: string, options: TestStackOptions = {}): Promise<TestStack> {
  const db = options.databaseUrl === undefined ? await createTestDatabase(label) : ownedDatabase(options.databaseUrl);
  const dataDir = await mkdtemp(path.join(tmpdir(), `crebitos-${label}-`));
  const port = await freePort();
  const logs: string[] = [];
  let stack: Stack;
  try {
    stack = await Stack.start({
      port,
      dataDir,
      databaseUrl: db.url,
      loadBalancer: options.loadBalancer ?? 'nginx',
      instances: options.instances ?? 2,
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.mockServices !== undefined ? { mockServices: options.mockServices } : {}),
      ...(options.smtpSink !== undefined ? { smtpSink: options.smtpSink } : {}),
      apiEnv: { LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '300', ...options.apiEnv },
      onLog: (source, line) => logs.push(`[${source}] ${line}`),
    });
  } catch (error) {
    // Stack.start stopped what it started; close the pool too, or the test file never exits.
    await db.drop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    stack,
    db,
    url: stack.url,
    port,
    logs,
    async stop() {
      await stack.stop();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A database the test brought (e.g. on a Postgres it kills): `db.pool` reads it, and drop() only
 * closes that pool. The instances migrate it at start.
 */
function ownedDatabase(url: string): TestDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {}); // the test may kill that Postgres under this pool's idle connections
  return { url, pool, drop: () => pool.end() };
}
