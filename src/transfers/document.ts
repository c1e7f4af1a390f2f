// Brazilian taxpayer numbers: CPF (11 digits, people: `common` users) and CNPJ (14 digits,
// companies: `merchant` users), each ending in two check digits (modulo 11). Punctuation
// (`.`, `-`, `/`, spaces) is allowed on input and stripped; anything else makes it invalid.

/** The digits of a valid CPF, or undefined. */
export function parseCpf(text: string): string | undefined {
  const digits = stripPunctuation(text);
  if (digits === undefined || digits.length !== 11 || allSame(digits)) return undefined;
  const d = [...digits].map(Number);
  const check = (length: number) => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += d[i]! * (length + 1 - i);
    return ((sum * 10) % 11) % 10;
  };
  return check(9) === d[9] && check(10) === d[10] ? digits : undefined;
}

/** The digits of a valid CNPJ, or undefined. */
export function parseCnpj(text: string): string | undefined {
  const digits = stripPunctuation(text);
  if (digits === undefined || digits.length !== 14 || allSame(digits)) return undefined;
  const d = [...digits].map(Number);
  const check = (length: number) => {
    // Weights run 2..9 from the right, then start again at 2.
    let sum = 0;
    for (let i = 0; i < length; i++) sum += d[length - 1 - i]! * ((i % 8) + 2);
    const rest = sum % 11;
    return rest < 2 ? 0 : 11 - rest;
  };
  return check(12) === d[12] && check(13) === d[13] ? digits : undefined;
}

function stripPunctuation(text: string): string | undefined {
  if (text.length > 32 || !/^[0-9./\- ]+$/.test(text)) return undefined;
  return text.replace(/[./\- ]/g, '');
}

function allSame(digits: string): boolean {
  return /^(\d)\1*$/.test(digits);
}
