// The CSV of part F, row by row and as a stream: RFC 4180 quoting, CRLF or LF, a UTF-8 BOM, blank
// lines, the header, amounts, dates and UUIDs; lines numbered with the header as line 1, also
// across chunk boundaries and quoted newlines; the staging COPY lines it produces.
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { isExpectedHeader, rowProblem, validStagingLine } from '../../../src/billing/csv-rows.js';
import { CsvFileError, CsvToCopy, MAX_RECORD_CHARS } from '../../../src/billing/csv-to-copy.js';

const HEADER = 'name,governmentId,email,debtAmount,debtDueDate,debtId';
const ID = '1adb6ccf-ff16-467f-bea7-5f05d494280f';
const row = (over: Partial<Record<'name' | 'gov' | 'email' | 'amount' | 'date' | 'id', string>> = {}) =>
  [over.name ?? 'John Doe', over.gov ?? '11111111111', over.email ?? 'johndoe@kanastra.com.br', over.amount ?? '1000000.00', over.date ?? '2025-10-12', over.id ?? ID];

interface Staged {
  line: number;
  valid: boolean;
  columns: string[];
}

/** Runs bytes through CsvToCopy in the given chunks; returns the staged lines (parsed back) and the counters. */
async function stage(chunks: (string | Buffer)[]): Promise<{ staged: Staged[]; rows: number; invalid: number; bytes: number }> {
  const csv = new CsvToCopy();
  let out = '';
  await pipeline(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), csv, new Writable({ write(chunk: Buffer, _e, cb) { out += chunk.toString(); cb(); } }));
  const staged = out.split('\n').filter(Boolean).map((line) => {
    const columns = line.split('\t');
    return { line: Number(columns[0]), valid: columns[7] === '\\N', columns };
  });
  return { staged, rows: csv.rows, invalid: csv.invalid, bytes: csv.bytes };
}

test('the header must be exactly the six names, in order; a BOM and spaces around names are ignored', () => {
  assert.ok(isExpectedHeader(HEADER.split(',')));
  assert.ok(isExpectedHeader(`\ufeff${HEADER}`.split(',')));
  assert.ok(isExpectedHeader(HEADER.split(',').map((n) => ` ${n} `)));
  assert.ok(!isExpectedHeader(HEADER.split(',').reverse()));
  assert.ok(!isExpectedHeader([...HEADER.split(','), 'extra']));
  assert.ok(!isExpectedHeader(HEADER.toLowerCase().split(',')));
});

test('a valid row passes, with amounts in reais: integers, one or two decimals', () => {
  for (const amount of ['1000000.00', '7811', '0.01', '10.5', '99999999.99']) assert.equal(rowProblem(row({ amount })), undefined, amount);
  assert.match(validStagingLine(2, row({ amount: '10.5' })), /\t1050\t/);
  assert.match(validStagingLine(2, row({ amount: '7811' })), /\t781100\t/);
  assert.match(validStagingLine(2, row({ amount: '1000000.00' })), /\t100000000\t/);
});

test('bad amounts are refused: zero, negative, three decimals, commas, exponents, beyond a boleto\'s 10 digits', () => {
  for (const amount of ['0', '0.00', '-1.00', '1.001', '1,00', '1e3', '', 'abc', '100000000.00', ' ']) {
    assert.match(rowProblem(row({ amount })) ?? '', /debtAmount/, `"${amount}"`);
  }
});

test('dates must be real calendar days in YYYY-MM-DD between 2000 and 2099', () => {
  assert.equal(rowProblem(row({ date: '2024-02-29' })), undefined);
  for (const date of ['2023-02-29', '2025-13-01', '2025-00-10', '2025-04-31', '12/10/2025', '2025-1-5', '1999-12-31', '2100-01-01', '2025-10-12T00:00']) {
    assert.match(rowProblem(row({ date })) ?? '', /debtDueDate/, date);
  }
});

test('debtId must be a UUID (any case); governmentId digits only; email an ASCII address; name present', () => {
  assert.equal(rowProblem(row({ id: ID.toUpperCase() })), undefined);
  assert.match(validStagingLine(2, row({ id: ID.toUpperCase() })), new RegExp(`\\t${ID}\\t`));
  for (const id of ['1adb6ccf-ff16-467f-bea7-5f05d494280', '1adb6ccfff16467fbea75f05d494280f', 'x'.repeat(36), '']) assert.match(rowProblem(row({ id })) ?? '', /debtId/);
  for (const gov of ['', '123.456.789-00', 'abc', '123456789012345']) assert.match(rowProblem(row({ gov })) ?? '', /governmentId/);
  for (const email of ['', 'no-at', 'a@b', 'a b@c.com', 'josé@x.com', 'a@b..com', 'a\\b@c.com']) assert.match(rowProblem(row({ email })) ?? '', /email/, email);
  assert.match(rowProblem(row({ name: '   ' })) ?? '', /name/);
  assert.match(rowProblem(row({ name: 'a\tb' })) ?? '', /name/);
  assert.match(rowProblem(['a', 'b']) ?? '', /6 colunas/);
});

test('RFC 4180: quoted fields with commas and doubled quotes are one field; a quoted newline spans lines and shifts the numbering', async () => {
  const body = [
    HEADER,
    `"Souza, Ana",1,ana@x.com,1.00,2026-01-01,${ID}`,
    `"O""Brien",2,ob@x.com,2.00,2026-01-01,2adb6ccf-ff16-467f-bea7-5f05d494280f`,
    `"Two\nLines",3,tl@x.com,3.00,2026-01-01,3adb6ccf-ff16-467f-bea7-5f05d494280f`,
    `After,4,af@x.com,4.00,2026-01-01,4adb6ccf-ff16-467f-bea7-5f05d494280f`,
  ].join('\n') + '\n';
  const { staged, rows, invalid } = await stage([body]);
  assert.equal(rows, 4);
  assert.equal(invalid, 1);
  assert.deepEqual(staged.map((s) => [s.line, s.valid]), [[2, true], [3, true], [4, false], [6, true]]);
  assert.equal(staged[0]!.columns[1], 'Souza, Ana');
  assert.equal(staged[1]!.columns[1], 'O"Brien');
});

test('CRLF files, a BOM, blank lines and a missing final newline are read the same as LF', async () => {
  const lf = await stage([`${HEADER}\n${row().join(',')}\n\n${row({ id: '2adb6ccf-ff16-467f-bea7-5f05d494280f' }).join(',')}`]);
  const crlf = await stage([`\ufeff${HEADER}\r\n${row().join(',')}\r\n\r\n${row({ id: '2adb6ccf-ff16-467f-bea7-5f05d494280f' }).join(',')}\r\n`]);
  for (const result of [lf, crlf]) {
    assert.equal(result.rows, 2);
    assert.equal(result.invalid, 0);
    assert.deepEqual(result.staged.map((s) => s.line), [2, 4]);
  }
});

test('records split across chunks anywhere, even inside a multi-byte character or a quoted field, parse the same', async () => {
  const body = Buffer.from(`${HEADER}\n${row({ name: '"João, da Silva"' }).join(',')}\n${row({ name: 'Zé', id: '2adb6ccf-ff16-467f-bea7-5f05d494280f' }).join(',')}\n`);
  const whole = await stage([body]);
  for (let size = 1; size <= 17; size += 4) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
    const split = await stage(chunks);
    assert.deepEqual(split.staged, whole.staged, `chunks of ${size} bytes`);
  }
  assert.equal(whole.staged[0]!.columns[1], 'João, da Silva');
  assert.equal(whole.bytes, body.length);
});

test('a wrong or missing header, or an unterminated quote, refuses the whole file', async () => {
  await assert.rejects(stage(['nome,cpf\nAna,1\n']), (e: unknown) => e instanceof CsvFileError && e.kind === 'header');
  await assert.rejects(stage(['']), (e: unknown) => e instanceof CsvFileError && e.kind === 'header');
  await assert.rejects(stage([`${HEADER}\n"never closed,1,a@b.com,1.00,2026-01-01,${ID}\n`]), (e: unknown) => e instanceof CsvFileError && e.kind === 'malformed');
  // A record longer than the cap is refused without buffering the rest of the file.
  await assert.rejects(stage([`${HEADER}\n"`, 'x'.repeat(MAX_RECORD_CHARS + 10)]), (e: unknown) => e instanceof CsvFileError && e.kind === 'malformed');
});

test('a stray quote inside an unquoted field stays in its row and does not swallow the next one', async () => {
  const { staged, rows } = await stage([`${HEADER}\nAna "A" Souza,1,a@b.com,1.00,2026-01-01,${ID}\n${row({ id: '2adb6ccf-ff16-467f-bea7-5f05d494280f' }).join(',')}\n`]);
  assert.equal(rows, 2);
  assert.equal(staged[1]!.valid, true);
  assert.equal(staged[1]!.line, 3);
});

test('an invalid row\'s reason is escaped for COPY (tabs, newlines, backslashes cannot break the stream)', async () => {
  const { staged } = await stage([`${HEADER}\nAna,1,a@b.com,"1\t\\\n0",2026-01-01,${ID}\n`]);
  assert.equal(staged.length, 1);
  assert.equal(staged[0]!.valid, false);
  assert.equal(staged[0]!.columns.length, 8);
});
