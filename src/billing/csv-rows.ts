// The rules of one CSV row of part F, and its line for the staging table's COPY (text format).
// A valid row becomes its typed columns; an invalid one only its line and reason, so that valid
// and invalid rows travel in one COPY and memory stays bounded whatever the number of refusals.
// Pure: no I/O, unit-tested on its own (test/billing/unit/csv-rows.test.ts).

export const CSV_HEADER = ['name', 'governmentId', 'email', 'debtAmount', 'debtDueDate', 'debtId'] as const;
export const CSV_HEADER_TEXT = CSV_HEADER.join(',');

const MAX_NAME = 200;
const MAX_EMAIL = 254;
const DIGITS = /^[0-9]{1,14}$/;
// ASCII only (the e-mail's headers stay ASCII), no whitespace (no header injection), no quotes,
// brackets, commas or backslashes; a dotted domain.
const EMAIL = /^[A-Za-z0-9.!#$%&*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;
const AMOUNT = /^([0-9]{1,8})(?:\.([0-9]{1,2}))?$/;
const DATE = /^(20[0-9]{2})-([0-9]{2})-([0-9]{2})$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Control characters (a quoted newline or tab in a name) and the backslash, COPY's escape.
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/** True when the first record is the expected header (a UTF-8 BOM and spaces around names ignored). */
export function isExpectedHeader(fields: readonly string[]): boolean {
  if (fields.length !== CSV_HEADER.length) return false;
  for (let i = 0; i < fields.length; i++) {
    const field = i === 0 && fields[0]!.charCodeAt(0) === 0xfeff ? fields[0]!.slice(1) : fields[i]!;
    if (field.trim() !== CSV_HEADER[i]) return false;
  }
  return true;
}

/** A blank line (papaparse gives it as one empty field): skipped, neither a row nor invalid. */
export function isBlankRecord(fields: readonly string[]): boolean {
  return fields.length === 1 && fields[0]!.trim() === '';
}

const shown = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** Why a data record is refused, or undefined when it is a valid debt. */
export function rowProblem(fields: readonly string[]): string | undefined {
  if (fields.length !== 6) return `esperadas 6 colunas, encontradas ${fields.length}`;
  const name = fields[0]!.trim();
  if (name === '') return 'name vazio';
  if (name.length > MAX_NAME) return `name com mais de ${MAX_NAME} caracteres`;
  if (NAME_FORBIDDEN.test(name)) return 'name com caractere de controle ou barra invertida';
  if (!DIGITS.test(fields[1]!.trim())) return `governmentId deve ter de 1 a 14 dígitos: ${shown(fields[1]!)}`;
  const email = fields[2]!.trim();
  if (email.length > MAX_EMAIL || !EMAIL.test(email)) return `email inválido: ${shown(fields[2]!)}`;
  const amount = AMOUNT.exec(fields[3]!.trim());
  if (amount === null) return `debtAmount deve ser um valor em reais com até 2 casas decimais, de 0.01 a 99999999.99: ${shown(fields[3]!)}`;
  if (amountCents(amount) === 0) return 'debtAmount deve ser maior que zero';
  if (!isCalendarDate(fields[4]!.trim())) return `debtDueDate deve ser uma data AAAA-MM-DD válida entre 2000 e 2099: ${shown(fields[4]!)}`;
  if (!UUID.test(lastField(fields[5]!))) return `debtId deve ser um UUID: ${shown(fields[5]!)}`;
  return undefined;
}

/** The staging COPY line (text format) of a row rowProblem accepted. */
export function validStagingLine(line: number, fields: readonly string[]): string {
  const cents = amountCents(AMOUNT.exec(fields[3]!.trim())!);
  return `${line}\t${fields[0]!.trim()}\t${fields[1]!.trim()}\t${fields[2]!.trim()}\t${cents}\t${fields[4]!.trim()}\t${lastField(fields[5]!).toLowerCase()}\t\\N\n`;
}

/** The staging COPY line of a refused row: only its line and reason. */
export function invalidStagingLine(line: number, reason: string): string {
  return `${line}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t${copyEscape(reason)}\n`;
}

/** How many line breaks a record spans beyond its own (quoted newlines), for line numbering. */
export function extraLines(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) count++;
  }
  return count;
}

/** Reais text with up to 2 decimals -> cents (exact: integer arithmetic on the digits). */
function amountCents(match: RegExpExecArray): number {
  const fraction = match[2] === undefined ? 0 : match[2].length === 1 ? Number(match[2]) * 10 : Number(match[2]);
  return Number(match[1]) * 100 + fraction;
}

/** The last field of a record may keep a CR when a CRLF line sits in an LF file: tolerated. */
function lastField(field: string): string {
  return (field.endsWith('\r') ? field.slice(0, -1) : field).trim();
}

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

function copyEscape(text: string): string {
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
