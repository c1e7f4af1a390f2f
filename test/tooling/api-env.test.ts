// kit/api-env.ts: which of the API's environment variables (src/config.ts's API_ENV_NAMES, the one
// list; test/kernel/unit/config.test.ts proves it is what loadConfig reads) a caller passes on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API_ENV_NAMES, API_SETTING_NAMES, apiSettingsFrom } from '../../kit/api-env.js';

test('the settings a caller passes are the API variables less the ones the stack sets', () => {
  assert.deepEqual([...API_SETTING_NAMES, 'HOST', 'PORT', 'REUSE_PORT', 'DATABASE_URL'].sort(), [...API_ENV_NAMES].sort());
});

test('a caller passes the settings, never where an instance listens nor its database', () => {
  for (const name of ['HOST', 'PORT', 'REUSE_PORT', 'DATABASE_URL']) assert.ok(!API_SETTING_NAMES.includes(name), name);
  assert.ok(API_SETTING_NAMES.includes('DB_POOL_SIZE') && API_SETTING_NAMES.includes('LOG_LEVEL'));
  assert.deepEqual(apiSettingsFrom({ BATCH_MAX: '16', PORT: '1', HOME: '/root', QUEUE_MAX: undefined }), { BATCH_MAX: '16' });
});
