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
