// The console's static files: a fixed list read at start, each with an ETag, and the rule that
// decides a 304.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { CONSOLE_ASSETS, CONSOLE_PAGES, CONTENT_SECURITY_POLICY, loadStaticFiles, notModified, WEB_DIR } from '../../../src/console/static-files.js';

test('every file of web/console is on the served list and every listed file exists', async () => {
  const onDisk = (await readdir(WEB_DIR)).sort();
  assert.deepEqual(onDisk, [...CONSOLE_PAGES, ...Object.keys(CONSOLE_ASSETS)].sort());
  const files = await loadStaticFiles();
  for (const [name, file] of files) {
    assert.match(file.etag, /^"[A-Za-z0-9_-]{22}"$/, name);
    assert.ok(file.body.length > 0, name);
  }
});

test('If-None-Match matches the ETag, a list holding it, a weak form of it, or *', () => {
  assert.equal(notModified('"abc"', '"abc"'), true);
  assert.equal(notModified('"x", W/"abc"', '"abc"'), true);
  assert.equal(notModified('*', '"abc"'), true);
  assert.equal(notModified('', '"abc"'), false);
  assert.equal(notModified('"abd"', '"abc"'), false);
});

test('the pages reference nothing outside the service, and the policy names no other origin', async () => {
  const files = await loadStaticFiles();
  for (const [name, file] of files) {
    if (name.endsWith('.svg')) continue;
    assert.doesNotMatch(file.body.toString(), /https?:\/\//, `${name} names an outside URL`);
    assert.doesNotMatch(file.body.toString(), /\sstyle=|<script>|\son[a-z]+=/, `${name} has inline style or script (the CSP forbids them)`);
  }
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /https?:|\*|unsafe/);
});
