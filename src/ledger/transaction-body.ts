// Parses the body of POST /clientes/:id/transacoes. A complete JSON parser (RFC 8259), because
// the contract depends on the source text: `1e3` and `1.0` are numbers JSON.parse would turn
// into valid integers, but they are not integers as written, so they are refused. Unknown fields
// are skipped (validated as JSON, not built); on duplicate keys the last one wins.
import { ErrorCode } from '../kernel/errors.js';

/** The fields of a valid transaction, written into a caller-owned object (no allocation here). */
export interface TransactionFields {
  valor: number;
  tipo: string;
  descricao: string;
}

const MAX_VALOR = 2147483647;

// Parser state, module-level: parsing is synchronous and never re-entered.
let src = '';
let pos = 0;

const MALFORMED = new Error('malformed JSON'); // thrown and caught inside this module only

// What the three fields held: undefined when absent; INVALID when present but unusable.
const INVALID = -1;
let valor: number | undefined;
let tipo: string | number | undefined;
let descricao: string | number | undefined;

/**
 * Fills `into` and returns undefined (no error) when the body is a valid transaction; else
 * returns the code of the first rule it breaks and leaves `into` as it was.
 */
export function parseTransactionBody(text: string, into: TransactionFields): ErrorCode | undefined {
  src = text;
  pos = 0;
  valor = undefined;
  tipo = undefined;
  descricao = undefined;
  let isObject: boolean;
  try {
    skipWhitespace();
    isObject = src.charCodeAt(pos) === 0x7b; // {
    if (isObject) parseObject(true);
    else skipValue();
    skipWhitespace();
    if (pos !== src.length) throw MALFORMED;
  } catch (error) {
    if (error !== MALFORMED) throw error;
    return ErrorCode.MalformedJson;
  } finally {
    src = '';
  }
  if (!isObject) return ErrorCode.BodyNotObject;
  if (valor === undefined || valor === INVALID) return ErrorCode.InvalidValor;
  if (tipo !== 'c' && tipo !== 'd') return ErrorCode.InvalidTipo;
  if (typeof descricao !== 'string' || !isValidDescricao(descricao)) return ErrorCode.InvalidDescricao;
  into.valor = valor;
  into.tipo = tipo;
  into.descricao = descricao;
  return undefined;
}

/**
 * 1 to 10 Unicode code points, none of them U+0000 (Postgres cannot store it) and no lone
 * surrogate (it cannot be stored as UTF-8, so it could not be returned exactly as sent).
 */
export function isValidDescricao(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > 20) return false; // 10 code points are at most 20 UTF-16 units
  let codePoints = 0;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return false;
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = text.charCodeAt(i + 1); // NaN past the end
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
    codePoints++;
  }
  return codePoints <= 10;
}

/** At a '{': walks the object; at the top level it captures the three fields it knows. */
function parseObject(topLevel: boolean): void {
  pos++; // {
  skipWhitespace();
  if (src.charCodeAt(pos) === 0x7d) {
    pos++;
    return;
  }
  for (;;) {
    if (src.charCodeAt(pos) !== 0x22) throw MALFORMED;
    const key = parseString();
    skipWhitespace();
    if (src.charCodeAt(pos++) !== 0x3a) throw MALFORMED; // :
    skipWhitespace();
    if (!topLevel) skipValue();
    else if (key === 'valor') valor = parseValorValue();
    else if (key === 'tipo') tipo = parseStringField();
    else if (key === 'descricao') descricao = parseStringField();
    else skipValue();
    skipWhitespace();
    const c = src.charCodeAt(pos++);
    if (c === 0x7d) return; // }
    if (c !== 0x2c) throw MALFORMED; // ,
    skipWhitespace();
  }
}

/** A string value, or INVALID for any other JSON value (still validated as JSON). */
function parseStringField(): string | number {
  if (src.charCodeAt(pos) === 0x22) return parseString();
  skipValue();
  return INVALID;
}

/** An integer 1..2147483647 written with digits only, or INVALID for any other JSON value. */
function parseValorValue(): number {
  const start = pos;
  const c = src.charCodeAt(pos);
  if (c !== 0x2d && !(c >= 0x30 && c <= 0x39)) {
    skipValue();
    return INVALID;
  }
  skipNumber();
  const length = pos - start;
  if (src.charCodeAt(start) === 0x30 || length > 10) return INVALID; // 0, negative via '-' below
  let value = 0;
  for (let i = start; i < pos; i++) {
    const digit = src.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return INVALID; // '-', '.', 'e', '+'
    value = value * 10 + digit;
  }
  return value <= MAX_VALOR ? value : INVALID;
}

function skipWhitespace(): void {
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
    else return;
  }
}

function skipValue(): void {
  const c = src.charCodeAt(pos);
  if (c === 0x22) parseString();
  else if (c === 0x7b) parseObject(false);
  else if (c === 0x5b) skipArray();
  else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) skipNumber();
  else if (src.startsWith('true', pos)) pos += 4;
  else if (src.startsWith('false', pos)) pos += 5;
  else if (src.startsWith('null', pos)) pos += 4;
  else throw MALFORMED;
}

function skipArray(): void {
  pos++;
  skipWhitespace();
  if (src.charCodeAt(pos) === 0x5d) {
    pos++;
    return;
  }
  for (;;) {
    skipValue();
    skipWhitespace();
    const c = src.charCodeAt(pos++);
    if (c === 0x5d) return;
    if (c !== 0x2c) throw MALFORMED;
    skipWhitespace();
  }
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function skipNumber(): void {
  if (src.charCodeAt(pos) === 0x2d) pos++;
  const first = src.charCodeAt(pos);
  if (first === 0x30) pos++;
  else if (first >= 0x31 && first <= 0x39) skipDigits();
  else throw MALFORMED;
  if (src.charCodeAt(pos) === 0x2e) {
    pos++;
    if (!isDigit(src.charCodeAt(pos))) throw MALFORMED;
    skipDigits();
  }
  const e = src.charCodeAt(pos);
  if (e === 0x65 || e === 0x45) {
    pos++;
    const sign = src.charCodeAt(pos);
    if (sign === 0x2b || sign === 0x2d) pos++;
    if (!isDigit(src.charCodeAt(pos))) throw MALFORMED;
    skipDigits();
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function skipDigits(): void {
  while (isDigit(src.charCodeAt(pos))) pos++;
}

/** At an opening quote: returns the decoded string and moves past the closing quote. */
function parseString(): string {
  const start = ++pos;
  // Fast path: no escapes, the common case.
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 0x22) return src.slice(start, pos++);
    if (c === 0x5c) break;
    if (c < 0x20 || c !== c) throw MALFORMED; // control character, or NaN at end of input
    pos++;
  }
  let out = src.slice(start, pos);
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 0x22) {
      pos++;
      return out;
    }
    if (c < 0x20 || c !== c) throw MALFORMED;
    if (c !== 0x5c) {
      out += src[pos++];
      continue;
    }
    const escape = src.charCodeAt(pos + 1);
    pos += 2;
    switch (escape) {
      case 0x22: out += '"'; break;
      case 0x5c: out += '\\'; break;
      case 0x2f: out += '/'; break;
      case 0x62: out += '\b'; break;
      case 0x66: out += '\f'; break;
      case 0x6e: out += '\n'; break;
      case 0x72: out += '\r'; break;
      case 0x74: out += '\t'; break;
      case 0x75: out += String.fromCharCode(parseHex4()); break;
      default: throw MALFORMED;
    }
  }
}

function parseHex4(): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const c = src.charCodeAt(pos++);
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x37;
    else throw MALFORMED;
    value = value * 16 + digit;
  }
  return value;
}
