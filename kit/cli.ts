// The tooling's one command-line parser: node:util parseArgs underneath, one way to validate integers, numbers, seconds and lists, and to print the help.
import { parseArgs } from 'node:util';

/** The flags a command takes, as node:util parseArgs describes them. */
export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** The values of argv's flags; unknown flags and positional arguments are errors. */
export function parseFlags<S extends FlagSpec>(argv: readonly string[], spec: S) {
  return parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }).values;
}

export interface NumberRange {
  min: number;
  /** Default: no upper bound. */
  max?: number;
  /** `min` itself is refused (e.g. "a positive number": min 0, exclusive). */
  exclusiveMin?: boolean;
  /** Said in the message: "a number of seconds from 1 to 300". */
  unit?: string;
}

function describe(kind: 'integer' | 'number', { min, max = Infinity, exclusiveMin = false, unit }: NumberRange): string {
  const what = unit === undefined ? `${kind === 'integer' ? 'an integer' : 'a number'}` : `${kind === 'integer' ? 'a whole number' : 'a number'} of ${unit}`;
  if (max === Infinity) {
    if (min === 0) return exclusiveMin ? `a positive ${what.replace(/^an? /, '')}` : `a non-negative ${what.replace(/^an? /, '')}`;
    return `${what} ${exclusiveMin ? 'above' : 'of at least'} ${min}`;
  }
  return exclusiveMin ? `${what} above ${min}, at most ${max}` : `${what} from ${min} to ${max}`;
}

function inRange(value: number, { min, max = Infinity, exclusiveMin = false }: NumberRange): boolean {
  return (exclusiveMin ? value > min : value >= min) && value <= max;
}

/** An integer flag (decimal digits only) within `range`; `fallback` when the flag is absent. */
export function integerFlag(name: string, raw: string | undefined, fallback: number, range: NumberRange): number {
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || !inRange(value, range)) throw new Error(`--${name} must be ${describe('integer', range)}, got "${raw}"`);
  return value;
}

/** A number flag (fractions allowed) within `range`; `fallback` when absent. */
export function numberFlag(name: string, raw: string | undefined, fallback: number, range: NumberRange): number {
  if (raw === undefined) return fallback;
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || !inRange(value, range)) throw new Error(`--${name} must be ${describe('number', range)}, got "${raw}"`);
  return value;
}

/** A duration flag in seconds (fractions allowed) within `range`; `fallback` when absent. */
export function secondsFlag(name: string, raw: string | undefined, fallback: number, range: Omit<NumberRange, 'unit'>): number {
  return numberFlag(name, raw, fallback, { ...range, unit: 'seconds' });
}

/** A comma-separated list flag, each item read by `item` (which throws on a bad one); `fallback` when absent. */
export function listFlag<T>(name: string, raw: string | undefined, fallback: readonly T[], item: (text: string) => T): T[] {
  if (raw === undefined) return [...fallback];
  const items = raw.split(',').map((text) => text.trim());
  if (items.some((text) => text === '')) throw new Error(`--${name} takes a comma-separated list, got "${raw}"`);
  return items.map(item);
}

/**
 * The options, or the process ends: on -h/--help (`help: true`) the help goes to stdout and it
 * exits 0; when parsing throws, the message and the help go to stderr and it exits 2.
 */
export function optionsOrExit<T extends { help: boolean }>(parse: () => T, help: string): T {
  let options: T;
  try {
    options = parse();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${help}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(help);
    process.exit(0);
  }
  return options;
}
