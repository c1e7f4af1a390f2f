import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultOutDir, parseOptions } from '../../bench/loadtest/options.js';

const now = new Date('2024-02-01T23:59:59.123Z');

test('defaults reproduce the official test', () => {
  const o = parseOptions([], now);
  assert.equal(o.url, 'http://localhost:9999');
  assert.equal(o.scale, 1);
  assert.equal(o.rampS, 120);
  assert.equal(o.holdS, 120);
  assert.equal(o.timeoutMs, 60000);
  assert.equal(o.maxInFlight, 20000);
  assert.equal(o.skipValidation, false);
  assert.equal(o.strict, false);
  assert.equal(o.outDir, 'bench/out/loadtest-2024-02-01T23-59-59');
  assert.equal(defaultOutDir(now), o.outDir);
});

test('every flag is read', () => {
  const o = parseOptions(
    ['--url', 'http://127.0.0.1:8080', '--scale', '10', '--ramp', '5', '--hold', '0', '--out', '/tmp/x', '--skip-validation', '--timeout', '2.5', '--max-in-flight', '500', '--strict'],
    now,
  );
  assert.deepEqual(o, {
    url: 'http://127.0.0.1:8080',
    scale: 10,
    rampS: 5,
    holdS: 0,
    outDir: '/tmp/x',
    skipValidation: true,
    timeoutMs: 2500,
    maxInFlight: 500,
    strict: true,
    help: false,
  });
  assert.equal(parseOptions(['-h']).help, true);
});

test('bad values are refused with a message naming the flag', () => {
  assert.throws(() => parseOptions(['--scale', '0']), /--scale/);
  assert.throws(() => parseOptions(['--timeout', 'abc']), /--timeout/);
  assert.throws(() => parseOptions(['--max-in-flight', '1.5']), /--max-in-flight/);
  assert.throws(() => parseOptions(['--ramp', '0', '--hold', '0']), /both be 0/);
  assert.throws(() => parseOptions(['--url', 'not a url']), /--url/);
  assert.throws(() => parseOptions(['--bogus']));
});
