// Bearer tokens, as every module that serves a user reads them: `Authorization: Bearer <token>`
// where the token is 32 random bytes in base64url (43 characters). The database holds only the
// token's SHA-256, so a copy of the tokens table opens no account.
import { createHash, randomBytes } from 'node:crypto';

const BEARER = /^Bearer ([A-Za-z0-9_-]{43})$/;

/** A new token: the text handed to the user once, and the hash stored. */
export function newToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: tokenHash(token) };
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The hash of the token an Authorization header carries; undefined when it carries none. */
export function bearerTokenHash(authorization: string): Buffer | undefined {
  const match = BEARER.exec(authorization);
  return match === null ? undefined : tokenHash(match[1]!);
}
