// Idempotency keys (part G), what every module shares: the header's rule and the hash that says
// whether a retry is the same request. The key's row itself is written by each module's SQL
// function, in the transaction of the effect (sql/functions/transfers/idempotency_*.sql).
import { createHash } from 'node:crypto';
import { errorReply } from './error-status.js';
import type { ErrorCode } from './errors.js';
import type { Responder } from './responder.js';

/** The header uWS hands us, lower-cased. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Added to an answer that replays the first answer of a key. */
export const REPLAYED_HEADERS: readonly (readonly [string, string])[] = [['Idempotent-Replayed', 'true']];

const PRINTABLE_ASCII = /^[\x20-\x7e]{1,255}$/;

/** True when the header's value is a usable key: 1 to 255 printable ASCII characters. */
export function isValidIdempotencyKey(key: string): boolean {
  return PRINTABLE_ASCII.test(key);
}

/** What makes two requests "the same": method, path and body (SHA-256). */
export function requestHash(method: string, path: string, body: string): Buffer {
  return createHash('sha256').update(method).update('\n').update(path).update('\n').update(body).digest();
}

/** The OpenAPI parameter of every operation that takes a key. */
export const IDEMPOTENCY_KEY_PARAMETER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Optional, 1 to 255 printable ASCII characters (else 422), scoped to the caller (the token\'s user; for an open account, ' +
    'the account). The same key with the same request (method, path and body) replays the first answer, same status and ' +
    'body, with `Idempotent-Replayed: true`; with a different request it is 422; while the first is still running, 409. The ' +
    'key is stored in the same database transaction as the effect and kept 24 h: after a 5xx or a lost answer, retrying ' +
    'with the same key is safe (it applies the effect at most once).',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[ -~]{1,255}$' },
} as const;

/** Answers an error outcome; a replayed one carries Idempotent-Replayed: true. */
export function answerError(responder: Responder, code: ErrorCode, replayed: boolean): void {
  if (!replayed) return responder.fail(code);
  const reply = errorReply(code);
  responder.json(reply.status, reply.body, REPLAYED_HEADERS);
}
