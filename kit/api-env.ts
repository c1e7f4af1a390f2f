// The API's environment variable names, in one list for the tooling that passes them to the instances (npm start, bench) or records them (run-meta).
// TODO(config): re-export from src/config.ts (API_ENV_NAMES), which reads them; until then test/tooling/api-env.test.ts checks this list against it.

/** Every variable src/config.ts reads. */
export const API_ENV_NAMES: readonly string[] = [
  'HOST',
  'PORT',
  'REUSE_PORT',
  'DATABASE_URL',
  'DB_POOL_SIZE',
  'DB_BATCHES_IN_FLIGHT',
  'DB_CONNECT_TIMEOUT_MS',
  'DB_QUERY_TIMEOUT_MS',
  'BATCH_MAX',
  'QUEUE_MAX',
  'MIGRATE_ON_START',
  'SHUTDOWN_GRACE_MS',
  'LOG_LEVEL',
];

/** What scripts/lib/stack.ts sets for each instance itself (where it listens, which database): never the caller's. */
const SET_BY_THE_STACK: readonly string[] = ['HOST', 'PORT', 'REUSE_PORT', 'DATABASE_URL'];

/** The API's settings a caller may pass to both instances through the environment. */
export const API_SETTING_NAMES: readonly string[] = API_ENV_NAMES.filter((name) => !SET_BY_THE_STACK.includes(name));

/** The API settings set in `env`, to pass to the instances. */
export function apiSettingsFrom(env: Readonly<Record<string, string | undefined>>, names: readonly string[] = API_SETTING_NAMES): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of names) if (env[name] !== undefined) settings[name] = env[name]!;
  return settings;
}
