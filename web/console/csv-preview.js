// A preview of a billing CSV's first rows, parsed in the browser from the start of the file
// (file.slice): RFC 4180 quoting ("" inside quotes), CRLF or LF, an optional UTF-8 BOM, blank
// lines skipped. The server parses the whole file itself; this only shows the person what they
// are about to send. Also imported by the unit tests (test/console/unit).

/** The header spec part F requires, in this order. */
export const EXPECTED_HEADER = ['name', 'governmentId', 'email', 'debtAmount', 'debtDueDate', 'debtId'];

/**
 * Parses up to `maxRows` data rows after the header. `complete`: the text is the whole file (else
 * a row cut by the end of the slice is left out).
 * @returns {{ header: string[], rows: string[][], headerProblem: string | undefined }}
 */
export function parseCsvPreview(text, maxRows, complete) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    record.push(field);
    field = '';
    // A blank line is no record.
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
  };
  while (i < text.length && records.length < maxRows + 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      i++;
      endRecord();
    } else if (c === '\n' || c === '\r') {
      endRecord();
    } else field += c;
    i++;
  }
  // The end of the text ends the last record only when the text is the whole file.
  if (i >= text.length && complete && (field !== '' || record.length > 0)) endRecord();
  const [header = [], ...rows] = records;
  return { header, rows: rows.slice(0, maxRows), headerProblem: headerProblem(header) };
}

/** Why this header is not the expected one, in words; undefined when it is. */
export function headerProblem(header) {
  if (header.length === 0) return 'The file is empty: it has no header line.';
  const same = header.length === EXPECTED_HEADER.length && header.every((name, i) => name.trim() === EXPECTED_HEADER[i]);
  if (same) return undefined;
  return `The header is "${header.join(',')}", but the server expects "${EXPECTED_HEADER.join(',')}": it will refuse the file.`;
}
