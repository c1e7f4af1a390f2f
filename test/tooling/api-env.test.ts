// kit/api-env.ts: the one list of the API's environment variables outside src/config.ts. Until
// src/config.ts exports its own (TODO(config) in kit/api-env.ts), this keeps the two in step;
// once kit/api-env.ts re-exports it, the first test can go.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { API_ENV_NAMES, API_SETTING_NAMES, apiSettingsFrom } from '../../kit/api-env.js';

// dist/test/tooling/ -> the repository's src/config.ts
const configSource = readFileSync(new URL('../../../src/config.ts', import.meta.url), 'utf8');

test('the list names exactly the variables src/config.ts reads', () => {
  const read = new Set<string>();
  for (const match of configSource.matchAll(/env\.([A-Z][A-Z0-9_]*)|(?:int|bool)\('([A-Z][A-Z0-9_]*)'/g)) read.add(match[1] ?? match[2]!);
  assert.deepEqual([...API_ENV_NAMES].sort(), [...read].sort());
});

test('a caller passes the settings, never where an instance listens nor its database', () => {
  for (const name of ['HOST', 'PORT', 'REUSE_PORT', 'DATABASE_URL']) assert.ok(!API_SETTING_NAMES.includes(name), name);
  assert.ok(API_SETTING_NAMES.includes('DB_POOL_SIZE') && API_SETTING_NAMES.includes('LOG_LEVEL'));
  assert.deepEqual(apiSettingsFrom({ BATCH_MAX: '16', PORT: '1', HOME: '/root', QUEUE_MAX: undefined }), { BATCH_MAX: '16' });
});
