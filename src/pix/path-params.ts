// The path segments of the pix routes. Like every parser of the API, each returns undefined for
// "nothing": no ISPB, no count, no stream.

/** An ISPB: exactly 8 decimal digits (leading zeros allowed: 00000000 is the Banco do Brasil's). */
export function parseIspb(text: string): string | undefined {
  if (text.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
  }
  return text;
}

export const MAX_GENERATED_MESSAGES = 10_000;

/** The {number} of the generator: 1 to 10,000, digits only, no leading zero. */
export function parseMessageCount(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return undefined;
  const count = Number(text);
  return count <= MAX_GENERATED_MESSAGES ? count : undefined;
}

/**
 * An interationId names a stream and the pull the collector last received: `<stream>-<pull>`,
 * e.g. `42-0` right after the start of stream 42, then `42-1`, `42-2`, ... (each answer's
 * Pull-Next carries the next one).
 */
export interface InterationId {
  readonly stream: number;
  readonly seen: number;
}

const INTERATION_ID = /^([1-9][0-9]{0,14})-(0|[1-9][0-9]{0,8})$/;

export function parseInterationId(text: string): InterationId | undefined {
  const match = INTERATION_ID.exec(text);
  if (match === null) return undefined;
  return { stream: Number(match[1]), seen: Number(match[2]) };
}

export function formatInterationId(stream: number, seen: number): string {
  return `${stream}-${seen}`;
}
