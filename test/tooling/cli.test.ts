// kit/cli.ts: the one command-line parser of bench, bench:floor, bench:sql, the loadtest and npm start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { integerFlag, listFlag, numberFlag, parseFlags, secondsFlag } from '../../kit/cli.js';

test('flags are typed; unknown flags and positionals are refused', () => {
  const spec = { count: { type: 'string' }, dry: { type: 'boolean' }, set: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } as const;
  assert.deepEqual({ ...parseFlags(['--count', '3', '--dry', '--set', 'a=1', '--set', 'b=2', '-h'], spec) }, { count: '3', dry: true, set: ['a=1', 'b=2'], help: true });
  assert.throws(() => parseFlags(['--bogus'], spec), /bogus/);
  assert.throws(() => parseFlags(['stray'], spec), /stray/);
});

test('integers: decimal digits within the range, else a message naming the flag and the range', () => {
  assert.equal(integerFlag('n', undefined, 7, { min: 1, max: 10 }), 7);
  assert.equal(integerFlag('n', '10', 7, { min: 1, max: 10 }), 10);
  for (const raw of ['0', '11', '1.5', '-1', '1e1', '', 'abc']) {
    assert.throws(() => integerFlag('n', raw, 7, { min: 1, max: 10 }), new RegExp(`--n must be an integer from 1 to 10, got "${raw.replace('.', '\\.')}"`));
  }
  assert.throws(() => integerFlag('max-in-flight', '0', 1, { min: 1 }), /--max-in-flight must be an integer of at least 1/);
});

test('numbers and seconds: fractions allowed, ranges inclusive unless said otherwise', () => {
  assert.equal(numberFlag('scale', '2.5', 1, { min: 0, exclusiveMin: true }), 2.5);
  assert.throws(() => numberFlag('scale', '0', 1, { min: 0, exclusiveMin: true }), /--scale must be a positive number, got "0"/);
  assert.throws(() => numberFlag('gap', '101', 5, { min: 0, max: 100, unit: 'milliseconds' }), /--gap must be a number of milliseconds from 0 to 100/);
  assert.equal(secondsFlag('hold', '0', 120, { min: 0 }), 0);
  assert.throws(() => secondsFlag('hold', '-1', 120, { min: 0 }), /--hold must be a non-negative number of seconds/);
  assert.throws(() => secondsFlag('duration', ' ', 15, { min: 1, max: 300 }), /--duration must be a number of seconds from 1 to 300/);
  assert.throws(() => secondsFlag('duration', 'Infinity', 15, { min: 1 }), /--duration/);
});

test('lists: comma-separated, each item validated, the default when absent', () => {
  const size = (text: string) => integerFlag('sizes', text, 0, { min: 1, max: 1000 });
  assert.deepEqual(listFlag('sizes', '1, 2,64', [8], size), [1, 2, 64]);
  assert.deepEqual(listFlag('sizes', undefined, [8], size), [8]);
  assert.throws(() => listFlag('sizes', '1,,2', [8], size), /--sizes takes a comma-separated list/);
  assert.throws(() => listFlag('sizes', '1,2000', [8], size), /--sizes must be an integer from 1 to 1000, got "2000"/);
});
