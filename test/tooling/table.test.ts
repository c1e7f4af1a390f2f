// kit/table.ts: the one text table of the loadtest report, bench's steps, bench:floor and the limits' usage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { textTable } from '../../kit/table.js';

test('by default the first column is left-aligned, the others right-aligned, two spaces apart', () => {
  assert.equal(textTable(['name', 'n'], [['a', '1'], ['bbb', '100']]), ['name    n', 'a       1', 'bbb   100'].join('\n'));
});

test('a rule under the header, as wide as each column', () => {
  assert.equal(textTable(['x', 'count'], [['long', '2']], { rule: true }), ['x     count', '----  -----', 'long      2'].join('\n'));
});

test('one alignment for all columns, or one per column; no trailing spaces; missing cells are empty', () => {
  assert.equal(textTable(['a', 'b'], [['1', '22']], { align: 'right' }), ['a   b', '1  22'].join('\n'));
  assert.equal(textTable(['a', 'b'], [['111', '2']], { align: 'left' }), ['a    b', '111  2'].join('\n'));
  assert.equal(textTable(['a', 'b', 'c'], [['1', '2', 'x'], ['1']], { align: ['left', 'right', 'left'] }), ['a  b  c', '1  2  x', '1'].join('\n'));
});
