// The payment line ("linha digitável") against published FEBRABAN vectors: every check digit,
// the layout of the five fields, and the due-date factor with its 2025-02-22 rollover to 1000.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barcode, debtPaymentLine, dueDateFactor, formatPaymentLine, freeFieldOf, mod10, mod11General, paymentLineOf } from '../../../src/billing/boleto.js';

// Banco do Brasil's example (agreement 050094, R$ 1.00, factor 3737) and Itaú's (R$ 123.45, factor 1667).
const BB_BARCODE = '00193373700000001000500940144816060680935031';
const BB_LINE = '00190.50095 40144.816069 06809.350314 3 37370000000100';
const ITAU_BARCODE = '34196166700000123451101234567880057123457000';
const ITAU_LINE = '34191.10121 34567.880058 71234.570001 6 16670000012345';
const digits = (line: string) => line.replace(/\D/g, '');

test('the barcode of a published example is rebuilt from its parts, general check digit included', () => {
  assert.equal(barcode('001', '3737', 100, '0500940144816060680935031'), BB_BARCODE);
  assert.equal(barcode('341', '1667', 12345, '1101234567880057123457000'), ITAU_BARCODE);
});

test('the payment line of a published barcode has its three field check digits (mod 10) and the general one', () => {
  assert.equal(formatPaymentLine(paymentLineOf(BB_BARCODE)), BB_LINE);
  assert.equal(formatPaymentLine(paymentLineOf(ITAU_BARCODE)), ITAU_LINE);
  assert.equal(paymentLineOf(BB_BARCODE), digits(BB_LINE));
  assert.equal(paymentLineOf(BB_BARCODE).length, 47);
});

test('mod 10 and mod 11 digits match the published fields', () => {
  assert.equal(mod10('001905009'), 5);
  assert.equal(mod10('4014481606'), 9);
  assert.equal(mod10('0680935031'), 4);
  // A sum that is a multiple of 10 gives 0.
  assert.equal(mod10('0000000000'), 0);
  assert.equal(mod11General(BB_BARCODE.slice(0, 4) + BB_BARCODE.slice(5)), 3);
  // 0, 10 and 11 become 1: 43 zeros sum to 0, 11 - 0 = 11.
  assert.equal(mod11General('0'.repeat(43)), 1);
});

test('the due-date factor counts days from 1997-10-07 and restarts at 1000 on 2025-02-22', () => {
  assert.equal(dueDateFactor('2000-07-03'), '1000');
  assert.equal(dueDateFactor('2007-12-31'), '3737');
  assert.equal(dueDateFactor('2025-02-21'), '9999');
  assert.equal(dueDateFactor('2025-02-22'), '1000');
  assert.equal(dueDateFactor('2025-02-23'), '1001');
  // The next cycle: 9000 days later.
  assert.equal(dueDateFactor('2049-10-13'), '9999');
  assert.equal(dueDateFactor('2049-10-14'), '1000');
});

test('a debt\'s payment line carries bank 001, currency 9, its factor, its amount and a 25-digit free field', () => {
  const line = debtPaymentLine(42, 100_000_000, '2025-10-12');
  assert.match(line, /^[0-9]{47}$/);
  assert.equal(line.slice(0, 4), '0019');
  assert.equal(line.slice(33, 37), dueDateFactor('2025-10-12'));
  assert.equal(line.slice(37), '0100000000');
  assert.equal(freeFieldOf(42).length, 25);
  // Rebuilt from the barcode, the check digits agree.
  const code = barcode('001', dueDateFactor('2025-10-12'), 100_000_000, freeFieldOf(42));
  assert.equal(paymentLineOf(code), line);
  assert.equal(Number(line[32]), mod11General(code.slice(0, 4) + code.slice(5)));
});
