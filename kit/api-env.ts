// The API's environment variables as the tooling uses them: which ones a caller may pass on to
// the instances (npm start, bench) or record (run-meta). The list itself is src/config.ts's.
import { API_ENV_NAMES } from '../src/config.js';

export { API_ENV_NAMES };

/** What scripts/lib/stack.ts sets for each instance itself (where it listens, which database): never the caller's. */
const SET_BY_THE_STACK: readonly string[] = ['HOST', 'PORT', 'REUSE_PORT', 'DATABASE_URL'];

/** The API's settings a caller may pass to both instances through the environment. */
export const API_SETTING_NAMES: readonly string[] = API_ENV_NAMES.filter((name: string) => !SET_BY_THE_STACK.includes(name));

/** The API settings set in `env`, to pass to the instances. */
export function apiSettingsFrom(env: Readonly<Record<string, string | undefined>>, names: readonly string[] = API_SETTING_NAMES): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of names) if (env[name] !== undefined) settings[name] = env[name]!;
  return settings;
}
