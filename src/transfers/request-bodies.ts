// The bodies of POST /users, POST /auth/token and POST /transfer. JSON.parse checks the syntax
// (400 otherwise); each field is then checked by its rule (422 naming the field). The transfer's
// `value` is read from the JSON number's TEXT into integer cents, never through a float: `100.5`
// is 10050, and `1e2`, `0.001`, `-1`, `"10"` are refused.
import { ErrorCode } from '../kernel/errors.js';
import { parseCnpj, parseCpf } from './document.js';

export type UserKind = 'common' | 'merchant';

export interface Registration {
  fullName: string;
  document: string;
  email: string;
  password: string;
  kind: UserKind;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface TransferRequest {
  /** Integer cents, 1 to 2147483647. */
  cents: number;
  payer: number;
  payee: number;
}

const EMAIL = /^[^\s@"<>()\\,;:]+@[^\s@"<>()\\,;:]+\.[^\s@"<>()\\,;:]+$/;
const MAX_INT32 = 2147483647;

/** The parsed object, or the 400 code when the text is not a JSON object. */
function parseObject(text: string): Record<string, unknown> | ErrorCode {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return ErrorCode.MalformedJson;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ErrorCode.BodyNotObject;
  return value as Record<string, unknown>;
}

export function parseRegistration(text: string): Registration | ErrorCode {
  const body = parseObject(text);
  if (typeof body === 'number') return body;
  const { fullName, document, email, password, type } = body;
  if (typeof fullName !== 'string' || fullName.trim().length === 0 || [...fullName].length > 200 || fullName.includes('\u0000')) return ErrorCode.InvalidFullName;
  if (typeof email !== 'string' || email.length > 254 || !EMAIL.test(email)) return ErrorCode.InvalidEmail;
  if (typeof password !== 'string' || password.length < 8 || password.length > 128) return ErrorCode.InvalidPassword;
  if (type !== 'common' && type !== 'merchant') return ErrorCode.InvalidUserType;
  if (typeof document !== 'string') return ErrorCode.InvalidDocument;
  const digits = type === 'common' ? parseCpf(document) : parseCnpj(document);
  if (digits === undefined) return ErrorCode.InvalidDocument;
  return { fullName: fullName.trim(), document: digits, email, password, kind: type };
}

export function parseCredentials(text: string): Credentials | ErrorCode {
  const body = parseObject(text);
  if (typeof body === 'number') return body;
  const { email, password } = body;
  if (typeof email !== 'string' || email.length === 0 || email.length > 254) return ErrorCode.InvalidEmail;
  if (typeof password !== 'string' || password.length === 0 || password.length > 128) return ErrorCode.InvalidPassword;
  return { email, password };
}

export function parseTransferRequest(text: string): TransferRequest | ErrorCode {
  const body = parseObject(text);
  if (typeof body === 'number') return body;
  const cents = centsOf(topLevelValueText(text, 'value'));
  if (cents === undefined) return ErrorCode.InvalidValue;
  const { payer, payee } = body;
  if (!isId(payer)) return ErrorCode.InvalidPayer;
  if (!isId(payee)) return ErrorCode.InvalidPayee;
  if (payer === payee) return ErrorCode.SamePayerAndPayee;
  return { cents, payer, payee };
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_INT32;
}

/** Integer cents from a JSON number's text: at most two decimals, > 0, <= 21474836.47. */
export function centsOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(0|[1-9][0-9]{0,7})(?:\.([0-9]{1,2}))?$/.exec(text);
  if (match === null) return undefined;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return cents >= 1 && cents <= MAX_INT32 ? cents : undefined;
}

/**
 * The source text of a top-level member's value in a JSON object already validated by
 * JSON.parse (so the scan can trust the syntax); the last one when the key repeats, as JSON.parse
 * does. Undefined when absent.
 */
export function topLevelValueText(text: string, name: string): string | undefined {
  let pos = text.indexOf('{') + 1;
  let found: string | undefined;
  const skipWhitespace = () => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t' || text[pos] === '\n' || text[pos] === '\r')) pos++;
  };
  const skipString = () => {
    pos++; // the opening quote
    while (text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    pos++;
  };
  for (;;) {
    skipWhitespace();
    if (text[pos] !== '"') return found; // '}' of an empty object
    const keyStart = pos;
    skipString();
    const key = JSON.parse(text.slice(keyStart, pos)) as string;
    skipWhitespace();
    pos++; // ':'
    skipWhitespace();
    const valueStart = pos;
    const c = text[pos];
    if (c === '"') {
      skipString();
    } else if (c === '{' || c === '[') {
      let depth = 0;
      do {
        const d = text[pos];
        if (d === '"') {
          skipString();
          continue;
        }
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || d === ']') depth--;
        pos++;
      } while (depth > 0);
    } else {
      while (pos < text.length && !',} \t\n\r'.includes(text[pos]!)) pos++;
    }
    if (key === name) found = text.slice(valueStart, pos);
    skipWhitespace();
    if (text[pos] !== ',') return found;
    pos++;
  }
}
