// The {id} path segment: a positive decimal integer within int32, written canonically
// (no sign, no leading zero). Anything else names no client.
// Like every parser of the API, it returns undefined for "nothing": here, no client id.

const MAX_INT32 = 2147483647;

/** Returns the client id, or undefined when the text cannot be a client id. */
export function parseClientId(text: string): number | undefined {
  const length = text.length;
  if (length === 0 || length > 10) return undefined;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9 || (i === 0 && digit === 0)) return undefined;
    value = value * 10 + digit;
  }
  return value <= MAX_INT32 ? value : undefined;
}

/**
 * Ids below 1000 are open accounts (the five Rinha clients are 1-5), served without credentials;
 * user accounts start at 1000. The same bound is is_open_account() in SQL and the users_id_range
 * constraint (a test keeps them equal).
 */
export const FIRST_USER_ACCOUNT_ID = 1000;

export function isOpenAccountId(id: number): boolean {
  return id < FIRST_USER_ACCOUNT_ID;
}

/**
 * The request path's fast test, before parsing: a canonical id of at most 3 digits is below
 * 1000, so it can only name an open account (or be invalid, which the parser answers 404).
 */
export function mayBeOpenAccountText(text: string): boolean {
  return text.length <= 3;
}
