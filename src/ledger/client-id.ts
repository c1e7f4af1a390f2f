// The {id} path segment: a positive decimal integer within int32, written canonically
// (no sign, no leading zero). Anything else names no client.

const MAX_INT32 = 2147483647;

/** Returns the client id, or 0 when the text cannot be a client id. */
export function parseClientId(text: string): number {
  const length = text.length;
  if (length === 0 || length > 10) return 0;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9 || (i === 0 && digit === 0)) return 0;
    value = value * 10 + digit;
  }
  return value <= MAX_INT32 ? value : 0;
}
