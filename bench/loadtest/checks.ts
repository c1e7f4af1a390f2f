// The response checks of the official simulation, as pure functions of (status, body).
//
// Gatling evaluates a request's checks in order and stops at the first failure; the official
// scoring script then counts as an inconsistency every failure whose message names the
// `ConsistenciaSaldoLimite` validator. That validator parses saldo and limite with Scala's
// `toInt` and fails with "Limite ultrapassado!" when saldo < -limite, or "WTF?!" when either is
// not an int. A missing `limite` fails the earlier `saveAs` instead, which is a plain KO.

import { OutcomeCode } from './outcome.js';

/** Scala's `String.toInt` on the JSON value's text: an int32, or null. */
export function toInt32(value: unknown): number | null {
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) {
    n = Number(value);
  } else {
    return null;
  }
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 ? n : null;
}

/** The official `validarConsistenciaSaldoLimite`: saldo >= -limite with both ints. */
export function balanceWithinLimit(saldo: unknown, limite: unknown): boolean {
  const s = toInt32(saldo);
  const l = toInt32(limite);
  return s !== null && l !== null && s >= -l;
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A POST /transacoes reply. Debits accept 200 or 422, credits only 200; a 200 body must carry
 * `limite` and a `saldo` that does not exceed it.
 */
export function checkTransactionReply(status: number, body: Buffer, accept422: boolean): OutcomeCode {
  if (status !== 200) return accept422 && status === 422 ? OutcomeCode.OK : OutcomeCode.BAD_STATUS;
  const json = parseJson(body);
  if (!isObject(json) || json['limite'] === undefined || json['limite'] === null) return OutcomeCode.BAD_BODY;
  return balanceWithinLimit(json['saldo'], json['limite']) ? OutcomeCode.OK : OutcomeCode.INCONSISTENT;
}

/** A GET /extrato reply: 200 with `saldo.limite` present and `saldo.total >= -saldo.limite`. */
export function checkStatementReply(status: number, body: Buffer): OutcomeCode {
  if (status !== 200) return OutcomeCode.BAD_STATUS;
  const json = parseJson(body);
  if (!isObject(json) || !isObject(json['saldo'])) return OutcomeCode.BAD_BODY;
  const saldo = json['saldo'];
  if (saldo['limite'] === undefined || saldo['limite'] === null) return OutcomeCode.BAD_BODY;
  return balanceWithinLimit(saldo['total'], saldo['limite']) ? OutcomeCode.OK : OutcomeCode.INCONSISTENT;
}

/** Reads a dotted path with array indices, e.g. `ultimas_transacoes[0].descricao`. */
export function readPath(json: unknown, path: string): unknown {
  let cur: unknown = json;
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (m === null) return undefined;
    cur = isObject(cur) ? cur[m[1]!] : undefined;
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) {
      cur = Array.isArray(cur) ? cur[Number(idx[1])] : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Renders a JSON value the way a jmesPath `.ofType[String]` check sees it (numbers as text). */
export function asCheckText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
