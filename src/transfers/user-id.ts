// The {id} of /users/{id}: a positive decimal integer within int32 written canonically, like the
// ledger's client ids; anything else names no user (404). Undefined means "no id".
const MAX_INT32 = 2147483647;

export function parseUserId(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= MAX_INT32 ? value : undefined;
}
