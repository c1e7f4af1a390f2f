// Generates hostile HTTP requests from a seeded PRNG: mutated and random bodies, odd paths and
// methods, broken headers and framing, raw garbage. Each case says whether a server must answer
// it: a well-framed HTTP/1.1 request must get an answer; broken HTTP may instead be dropped.
import type { Random } from './random.js';

export type FuzzKind = 'body' | 'path' | 'header' | 'garbage';

export interface FuzzCase {
  kind: FuzzKind;
  bytes: Buffer;
  /** HEAD: the answer has no body. */
  head: boolean;
  /**
   * Who must answer it. nginx answers every well-framed HTTP/1.1 request. uWS, straight at an
   * instance, only answers requests it can route: a method it knows (GET, POST, PUT, DELETE,
   * PATCH, HEAD, OPTIONS, upper case) and a path starting with '/'; it closes the connection on
   * anything else, and leaves broken HTTP hanging until its idle timeout.
   */
  mustAnswer: { nginx: boolean; instance: boolean };
}

const NEVER = { nginx: false, instance: false };
const ALWAYS = { nginx: true, instance: true };
const UWS_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);

export function fuzzCase(r: Random): FuzzCase {
  const roll = r.next();
  if (roll < 0.5) return bodyCase(r);
  if (roll < 0.75) return pathCase(r);
  if (roll < 0.9) return headerCase(r);
  return garbageCase(r);
}

/** How a case reads in a failure message: printable ASCII kept, the rest escaped. */
export function showBytes(bytes: Buffer, max = 300): string {
  let text = '';
  for (const byte of bytes.subarray(0, max)) {
    text += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : byte === 0x5c ? '\\\\' : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${text}... (${bytes.length} bytes)` : text;
}

// ---- Bodies --------------------------------------------------------------------------------

const TOKENS = [
  '1e999', '-1', '0', '-0', '1.0', '1E3', '1e3', '0.5', '99999999999999999999', '2147483648', '2147483647', '9007199254740993',
  '"\\u0000"', '"\\ud800"', '"\\udc00x"', '"\\u"', '"\\x41"', 'null', 'true', 'false', '[]', '{}', '"c"', '"d"', '"C"',
  '"abcdefghijk"', '""', '"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"', '"\ud83d\ude00"', 'NaN', 'Infinity', '01', '+1', '.5', '1.',
];
const BYTES = [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x2d, 0x2e, 0x30, 0x39, 0x3a, 0x5b, 0x5c, 0x5d, 0x65, 0x7b, 0x7d, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xed, 0xf5, 0xf8, 0xfe, 0xff];
// Invalid or unusual UTF-8: lone continuation, overlong, surrogate (ED A0 80), beyond U+10FFFF, truncated.
const RAW_SEQUENCES = [[0x80], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xef, 0xbb, 0xbf], [0xf0, 0x9f, 0x98, 0x80]];

function descricao(r: Random): string {
  const alphabet = ['a', 'Z', '0', ' ', 'é', '€', '😀', '"', '\\', '\n', '\u0000', '\ud800', '\u2028'];
  let text = '';
  const length = r.pick([0, 1, 5, 10, 10, 11, 20]);
  for (let i = 0; i < length; i++) text += r.pick(alphabet);
  return text;
}

function validishObject(r: Random): Record<string, unknown> {
  return { valor: r.int(1, 100000), tipo: r.pick(['c', 'd']), descricao: descricao(r) };
}

function randomJson(r: Random, depth: number): unknown {
  const roll = r.int(0, depth > 4 ? 5 : 7);
  switch (roll) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.pick([0, -1, 1, 1.5, 1e21, -1e-7, 2147483647, 2147483648, Number.MAX_SAFE_INTEGER]);
    case 3: return descricao(r);
    case 4: return r.pick(['c', 'd', 'valor', 'tipo', '']);
    case 5: return r.int(1, 1000);
    case 6: return Array.from({ length: r.int(0, 4) }, () => randomJson(r, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = r.int(0, 5); i > 0; i--) object[r.pick(['valor', 'tipo', 'descricao', 'x', '', '__proto__', 'constructor'])] = randomJson(r, depth + 1);
      return object;
    }
  }
}

function mutate(r: Random, input: Buffer): Buffer {
  let bytes = Buffer.from(input);
  for (let n = r.int(1, 4); n > 0; n--) {
    const at = r.int(0, bytes.length);
    switch (r.int(0, 6)) {
      case 0: // replace a byte
        if (bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = r.chance(0.5) ? r.pick(BYTES) : r.int(0, 255);
        break;
      case 1: // insert a byte
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([r.pick(BYTES)]), bytes.subarray(at)]);
        break;
      case 2: // delete a range
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + r.int(1, 8))]);
        break;
      case 3: // duplicate a range
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + r.int(1, 12)), bytes.subarray(at)]);
        break;
      case 4: // truncate
        bytes = bytes.subarray(0, at);
        break;
      case 5: // splice a JSON token
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(r.pick(TOKENS)), bytes.subarray(at + r.int(0, 6))]);
        break;
      default: // splice invalid UTF-8
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(r.pick(RAW_SEQUENCES)), bytes.subarray(at)]);
    }
  }
  return bytes;
}

function fuzzBody(r: Random): Buffer {
  const roll = r.next();
  if (roll < 0.45) return mutate(r, Buffer.from(JSON.stringify(validishObject(r))));
  if (roll < 0.65) return Buffer.from(JSON.stringify(randomJson(r, 0)) ?? '');
  if (roll < 0.75) {
    // Deep nesting, within and beyond the 1 KiB cap.
    const depth = r.pick([10, 100, 400, 600, 5000]);
    const [open, close] = r.pick([['[', ']'], ['{"a":', '}']]);
    const inner = r.chance(0.5) ? open!.repeat(depth) + '1' + close!.repeat(depth) : open!.repeat(depth);
    return Buffer.from(r.chance(0.5) ? `{"valor":1,"tipo":"c","descricao":"x","n":${inner}}` : inner);
  }
  if (roll < 0.85) {
    // A valid-looking object with one field replaced by a token.
    const object = validishObject(r);
    const field = r.pick(['valor', 'tipo', 'descricao']);
    const text = JSON.stringify(object).replace(new RegExp(`"${field}":("[^"]*"|[^,}]*)`), `"${field}":${r.pick(TOKENS)}`);
    return Buffer.from(text);
  }
  if (roll < 0.92) return Buffer.from(r.pick(['', ' ', 'null', '[]', '{}', '"x"', '1', 'true', '{', '}', '{"valor":1,"tipo":"c","descricao":"x"}{}', '\ufeff{"valor":1,"tipo":"c","descricao":"x"}']));
  // Beyond the cap.
  return Buffer.from(JSON.stringify({ valor: 1, tipo: 'c', descricao: 'x', pad: 'p'.repeat(r.pick([1000, 1100, 4000, 20000])) }));
}

function framed(r: Random, method: string, path: string, body: Buffer | undefined, extra: string[] = []): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: localhost', ...extra];
  if (r.chance(0.7)) lines.push(`Content-Type: ${r.pick(['application/json', 'text/plain', 'application/json; charset=latin1', '*/*'])}`);
  if (body === undefined) return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  if (r.chance(0.75)) {
    lines.push(`Content-Length: ${body.length}`);
    return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
  }
  lines.push('Transfer-Encoding: chunked');
  const parts: Buffer[] = [Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1')];
  let at = 0;
  while (at < body.length) {
    const size = Math.min(body.length - at, r.int(1, 300));
    parts.push(Buffer.from(`${size.toString(16)}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

function bodyCase(r: Random): FuzzCase {
  const id = r.pick(['1', '2', '3', '4', '5', '1', '2', '6', '0']);
  return { kind: 'body', bytes: framed(r, 'POST', `/clientes/${id}/transacoes`, fuzzBody(r)), head: false, mustAnswer: ALWAYS };
}

// ---- Paths and methods ---------------------------------------------------------------------

const IDS = [
  '1', '5', '6', '0', '00', '01', '-1', '+1', '1.5', '1e0', 'abc', '', '%31', '1%00', '%00', '%2e%2e', '..', '2147483647', '2147483648',
  '99999999999', '9'.repeat(40), '0x1', '\xef\xbc\x91', '1;x', '1?x=1', '1#x', '1/', '1//', '\xff', '\u00e9', '%ff', 'null', 'undefined', '1,2',
];

/** Bytes a request-target may hold without breaking the request line: no space, CR or LF. */
function pathByte(r: Random): string {
  return String.fromCharCode(r.chance(0.8) ? r.int(0x21, 0x7e) : r.int(0x80, 0xff));
}

function fuzzPath(r: Random): string {
  const roll = r.next();
  const id = r.pick(IDS);
  if (roll < 0.35) return `/clientes/${id}/${r.pick(['transacoes', 'extrato'])}`;
  if (roll < 0.6) {
    return r.pick([
      `//clientes/1/extrato`, `/clientes/1/extrato/`, `/CLIENTES/1/extrato`, `/clientes/1/Extrato`, `/clientes/1/extrato?x=1`,
      `/clientes/1/extrato#frag`, `/clientes/1/transacoes?valor=1`, `/clientes/1/../1/extrato`, `/clientes/1/./extrato`,
      `/clientes/1/extrato%20`, `/clientes/1/transacoes/`, `/clientes//transacoes`, `/clientes/1`, `/clientes`, `/`, `*`,
      `/clientes/1/extrato?${'a'.repeat(r.int(1, 2000))}`, `/${'a/'.repeat(r.int(1, 500))}`, `/clientes/${'1'.repeat(r.int(1, 3000))}/extrato`,
      `http://localhost/clientes/1/extrato`, `/clientes/1/extrato;x`, `/%63lientes/1/extrato`,
    ]);
  }
  let path = '/';
  for (let i = r.int(0, 60); i > 0; i--) path += r.chance(0.15) ? '/' : pathByte(r);
  return r.chance(0.5) ? `/clientes/${path.slice(1)}/extrato` : path;
}

function pathCase(r: Random): FuzzCase {
  const method = r.pick(['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'FOO', 'PROPFIND', 'M'.repeat(r.int(1, 40)), 'get', 'Post']);
  const path = fuzzPath(r);
  const withBody = method !== 'GET' && method !== 'HEAD' && r.chance(0.7);
  const body = withBody ? Buffer.from(r.chance(0.5) ? JSON.stringify(validishObject(r)) : JSON.stringify({ valor: r.int(1, 50), tipo: 'c', descricao: 'fuzz' })) : undefined;
  const routable = UWS_METHODS.has(method) && path.startsWith('/');
  return { kind: 'path', bytes: framed(r, method, path, body), head: method === 'HEAD', mustAnswer: { nginx: true, instance: routable } };
}

// ---- Headers and framing -------------------------------------------------------------------

function headerCase(r: Random): FuzzCase {
  const post = r.chance(0.5);
  // Never a valid transaction: a GET, or a POST refused on its body. Nothing here may be written.
  const requestLine = post ? 'POST /clientes/1/transacoes' : `GET /clientes/${r.int(1, 5)}/extrato`;
  const body = post ? '{"valor":0,"tipo":"c","descricao":"x"}' : '';
  let version = 'HTTP/1.1';
  let eol = '\r\n';
  const headers: string[] = ['Host: localhost'];
  let bodyFraming = post ? [`Content-Length: ${body.length}`] : [];
  switch (r.int(0, 13)) {
    case 0: headers.push(`X-Long: ${'a'.repeat(r.pick([1000, 4000, 8000, 9000, 20000, 70000]))}`); break;
    case 1: for (let i = r.int(20, 150); i > 0; i--) headers.push(`X-H${i}: v`); break;
    case 2: headers.push(`X-Nul: a\u0000b`); break;
    case 3: headers.push(`X-High: ${String.fromCharCode(...Array.from({ length: 20 }, () => r.int(0x80, 0xff)))}`); break;
    case 4: headers.push(`${r.pick(['X A', ':x', 'X(', 'X\u0001', '', 'Ü', 'X\t'])}: v`); break;
    case 5: headers.push('X-Fold: a', '  b'); break;
    case 6: eol = '\n'; break;
    case 7: bodyFraming = [`Content-Length: ${r.pick(['-1', 'abc', '1e3', '+5', ' 5', '5, 5', '99999999999999999999', ''])}`]; break;
    case 8: bodyFraming = [`Content-Length: ${body.length}`, `Content-Length: ${body.length + r.int(0, 3)}`]; break;
    case 9: bodyFraming = ['Transfer-Encoding: ' + r.pick(['chunked', 'gzip', 'chunked, chunked', 'xchunked', 'identity']), `Content-Length: ${body.length}`]; break;
    case 10: headers.push('Expect: 100-continue'); break;
    case 11: if (r.chance(0.5)) headers.shift(); else headers.push('Host: other'); break;
    case 12: version = r.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/11', 'http/1.1', 'HTTP/1.1 x', '']); break;
    default: headers.push(r.pick(['Connection: close', 'Connection: upgrade', 'Upgrade: websocket', 'Connection: keep-alive, Upgrade']));
  }
  const head = `${requestLine}${version === '' ? '' : ' ' + version}${eol}${[...headers, ...bodyFraming].join(eol)}${eol}${eol}`;
  return { kind: 'header', bytes: Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]), head: false, mustAnswer: NEVER };
}

function garbageCase(r: Random): FuzzCase {
  const roll = r.next();
  let bytes: Buffer;
  if (roll < 0.4) bytes = Buffer.from(Array.from({ length: r.int(1, 3000) }, () => r.int(0, 255)));
  else if (roll < 0.55) bytes = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  else if (roll < 0.7) bytes = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, ...Array.from({ length: 40 }, () => r.int(0, 255))]);
  else if (roll < 0.85) bytes = Buffer.from('\r\n'.repeat(r.int(1, 100)) + 'GET /clientes/1/extrato HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1');
  else bytes = Buffer.from(r.pick(['GET', 'GET /', 'GET / HTTP/1.1', 'GET / HTTP/1.1\r\n', '\u0000\u0000\u0000', ' GET / HTTP/1.1\r\n\r\n', 'GET  /clientes/1/extrato  HTTP/1.1\r\n\r\n']), 'latin1');
  return { kind: 'garbage', bytes, head: false, mustAnswer: NEVER };
}
