// Brazilian taxpayer numbers: CPF (11 digits, people: `common` users) and CNPJ (14 digits,
// companies: `merchant` users), each ending in two check digits (modulo 11). Punctuation
// (`.`, `-`, `/`, spaces) is allowed on input and stripped; anything else makes it invalid.

/** The CPF check digit of the first `length` digits of `d` (9 for the first, 10 for the second). */
function cpfCheckDigit(d: readonly number[], length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += d[i]! * (length + 1 - i);
  return ((sum * 10) % 11) % 10;
}

/** The CNPJ check digit of the first `length` digits (12, then 13): weights 2..9 from the right, then 2 again. */
function cnpjCheckDigit(d: readonly number[], length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += d[length - 1 - i]! * ((i % 8) + 2);
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

/** The digits of a valid CPF, or undefined. */
export function parseCpf(text: string): string | undefined {
  const digits = stripPunctuation(text);
  if (digits === undefined || digits.length !== 11 || allSame(digits)) return undefined;
  const d = [...digits].map(Number);
  return cpfCheckDigit(d, 9) === d[9] && cpfCheckDigit(d, 10) === d[10] ? digits : undefined;
}

/** The digits of a valid CNPJ, or undefined. */
export function parseCnpj(text: string): string | undefined {
  const digits = stripPunctuation(text);
  if (digits === undefined || digits.length !== 14 || allSame(digits)) return undefined;
  const d = [...digits].map(Number);
  return cnpjCheckDigit(d, 12) === d[12] && cnpjCheckDigit(d, 13) === d[13] ? digits : undefined;
}

/** A CPF: these 9 digits followed by their two check digits (for tests and benchmarks that make users). */
export function completeCpf(base: string): string {
  const d = [...base].map(Number);
  d.push(cpfCheckDigit(d, 9));
  d.push(cpfCheckDigit(d, 10));
  return d.join('');
}

/** A CNPJ: these 12 digits followed by their two check digits. */
export function completeCnpj(base: string): string {
  const d = [...base].map(Number);
  d.push(cnpjCheckDigit(d, 12));
  d.push(cnpjCheckDigit(d, 13));
  return d.join('');
}

function stripPunctuation(text: string): string | undefined {
  if (text.length > 32 || !/^[0-9./\- ]+$/.test(text)) return undefined;
  return text.replace(/[./\- ]/g, '');
}

function allSame(digits: string): boolean {
  return /^(\d)\1*$/.test(digits);
}
