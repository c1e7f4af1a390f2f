// The upload form's preview, parsed in the browser from the file's first bytes: the same
// module the page loads (web/console/csv-preview.js), run here in Node.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const preview = (await import(new URL('../../../../web/console/csv-preview.js', import.meta.url).href)) as {
  parseCsvPreview(text: string, maxRows: number, complete: boolean): { header: string[]; rows: string[][]; headerProblem: string | undefined };
  EXPECTED_HEADER: string[];
};
const HEADER = 'name,governmentId,email,debtAmount,debtDueDate,debtId';

test('the preview reads quoted fields with commas, doubled quotes and line breaks, CRLF and a BOM', () => {
  const text = `\ufeff${HEADER}\r\n"Doe, ""Jo""",1,a@b.c,10.00,2026-01-01,id1\r\n"two\nlines",2,b@c.d,1.50,2026-02-01,id2\r\n`;
  const parsed = preview.parseCsvPreview(text, 5, true);
  assert.deepEqual(parsed.header, preview.EXPECTED_HEADER);
  assert.equal(parsed.headerProblem, undefined);
  assert.deepEqual(parsed.rows, [
    ['Doe, "Jo"', '1', 'a@b.c', '10.00', '2026-01-01', 'id1'],
    ['two\nlines', '2', 'b@c.d', '1.50', '2026-02-01', 'id2'],
  ]);
});

test('blank lines are skipped and at most maxRows rows are returned', () => {
  const text = `${HEADER}\n\na,1,e,1,d,1\n\nb,2,e,1,d,2\nc,3,e,1,d,3\n`;
  assert.deepEqual(preview.parseCsvPreview(text, 2, true).rows.map((row) => row[0]), ['a', 'b']);
});

test('a row cut by the end of the slice is left out, unless the slice is the whole file', () => {
  const text = `${HEADER}\na,1,e,1,d,1\nb,2,e`;
  assert.deepEqual(preview.parseCsvPreview(text, 5, false).rows.map((row) => row[0]), ['a']);
  assert.deepEqual(preview.parseCsvPreview(text, 5, true).rows.map((row) => row[0]), ['a', 'b']);
});

test('a wrong or missing header is described in words', () => {
  assert.match(preview.parseCsvPreview('nome,cpf\nx,y\n', 5, true).headerProblem!, /server expects "name,governmentId,email,debtAmount,debtDueDate,debtId"/);
  assert.match(preview.parseCsvPreview('', 5, true).headerProblem!, /empty/);
});
