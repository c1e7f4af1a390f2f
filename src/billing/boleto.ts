// The boleto's payment line ("linha digitável") in the FEBRABAN layout for bank collection
// (cobrança), computed in Node for a batch of debts (src/billing/processor.ts), then written with
// one UPDATE per batch. Pure; test/billing/unit/boleto.test.ts checks it against published
// vectors (Banco do Brasil's and Itaú's) and the due-date factor's rollover of 2025-02-22.
//
// Barcode, 44 digits: bank (3) | currency 9 (1) | general check digit (1, mod 11) | due-date
// factor (4) | amount in cents (10) | free field (25, the bank's). Payment line, 47 digits: field 1
// = bank, currency, free[0..5) + mod-10 digit; field 2 = free[5..15) + mod-10; field 3 =
// free[15..25) + mod-10; field 4 = the general check digit; field 5 = factor and amount.

/** The issuing bank of our simulated boletos: Banco do Brasil's code and free-field layout. */
export const BANK_CODE = '001';
const CURRENCY_REAL = '9';
/** Banco do Brasil, 7-digit agreement: free field = 000000 | agreement (7) | sequence (10) | portfolio (2). */
const AGREEMENT = '1234567';
const PORTFOLIO = '17';

const DAY_MS = 86_400_000;
const FACTOR_BASE = Date.UTC(1997, 9, 7);

/**
 * Days from 1997-10-07, kept in 1000..9999: factor 9999 fell on 2025-02-21, and FEBRABAN restarted
 * the count at 1000 on 2025-02-22 (every 9000 days, as the first cycle started at 1000 on 2000-07-03).
 */
export function dueDateFactor(isoDate: string): string {
  const days = Math.round((Date.UTC(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)) - 1, Number(isoDate.slice(8, 10))) - FACTOR_BASE) / DAY_MS);
  const factor = ((((days - 1000) % 9000) + 9000) % 9000) + 1000;
  return String(factor);
}

/** Mod-10 check digit of a field: weights 2,1,2,1... from the right, a product's digits summed. */
export function mod10(digits: string): number {
  let sum = 0;
  let weight = 2;
  for (let i = digits.length - 1; i >= 0; i--) {
    const product = (digits.charCodeAt(i) - 48) * weight;
    sum += product > 9 ? product - 9 : product;
    weight = 3 - weight;
  }
  const rest = sum % 10;
  return rest === 0 ? 0 : 10 - rest;
}

/** The barcode's general check digit (mod 11, weights 2..9 from the right; 0, 10 and 11 become 1). */
export function mod11General(digits43: string): number {
  let sum = 0;
  let weight = 2;
  for (let i = digits43.length - 1; i >= 0; i--) {
    sum += (digits43.charCodeAt(i) - 48) * weight;
    weight = weight === 9 ? 2 : weight + 1;
  }
  const digit = 11 - (sum % 11);
  return digit === 0 || digit === 10 || digit === 11 ? 1 : digit;
}

/** The 44-digit barcode. */
export function barcode(bank: string, factor: string, amountCents: number, freeField: string): string {
  const amount = String(amountCents).padStart(10, '0');
  const withoutDigit = `${bank}${CURRENCY_REAL}${factor}${amount}${freeField}`;
  return `${withoutDigit.slice(0, 4)}${mod11General(withoutDigit)}${withoutDigit.slice(4)}`;
}

/** The 47-digit payment line of a 44-digit barcode. */
export function paymentLineOf(code: string): string {
  const field1 = code.slice(0, 4) + code.slice(19, 24);
  const field2 = code.slice(24, 34);
  const field3 = code.slice(34, 44);
  return `${field1}${mod10(field1)}${field2}${mod10(field2)}${field3}${mod10(field3)}${code[4]}${code.slice(5, 19)}`;
}

/** The payment line as printed: `AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE`. */
export function formatPaymentLine(line: string): string {
  return `${line.slice(0, 5)}.${line.slice(5, 10)} ${line.slice(10, 15)}.${line.slice(15, 21)} ${line.slice(21, 26)}.${line.slice(26, 32)} ${line[32]} ${line.slice(33)}`;
}

/** The free field of a debt's boleto: its sequence number is the "nosso número" complement. */
export function freeFieldOf(seq: number): string {
  return `000000${AGREEMENT}${String(seq % 10_000_000_000).padStart(10, '0')}${PORTFOLIO}`;
}

/** A debt's payment line (47 digits): bank 001, due date, amount in cents, sequence number. */
export function debtPaymentLine(seq: number, amountCents: number, dueDate: string): string {
  return paymentLineOf(barcode(BANK_CODE, dueDateFactor(dueDate), amountCents, freeFieldOf(seq)));
}
