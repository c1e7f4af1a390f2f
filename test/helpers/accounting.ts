// Compares what clients were told with what the ledger holds, after a load or a fault:
// - the invariant: every balance equals the sum of its transactions and stays >= -limite;
// - per client: 200s <= rows <= 200s + unknown, where unknown are the requests that got no
//   answer or a 5xx (their fate cannot be known: e.g. a commit the crash interrupted);
// - by descricao (unique per request): every 200 has exactly one row, a 4xx has none, and every
//   row belongs to a request that got a 200 or an unknown answer (nothing appears from nowhere).
import assert from 'node:assert/strict';
import type pg from 'pg';
import { assertLedgerConsistent, type ClientLedger } from './ledger-invariant.js';
import { isTransaction, isUnknownOutcome, type RequestOutcome } from './load.js';

export interface Accounting {
  ledger: ClientLedger[];
  /** Transactions that got a 200. */
  ok: number;
  /** Transactions with no answer or a 5xx. */
  unknown: number;
  /** Rows in transacoes. */
  rows: number;
  /** Rows of transactions with an unknown answer: applied although the client was not told. */
  appliedUnknown: number;
}

export async function assertAnswersMatchLedger(
  pool: pg.Pool,
  outcomes: readonly RequestOutcome[],
  options: { clientIds?: readonly number[] } = {},
): Promise<Accounting> {
  // The invariant holds for every account; the answer-by-answer check only for `clientIds`
  // (when a test also moves money on accounts whose rows are not its credits/debits, e.g. transfers).
  const only = options.clientIds === undefined ? undefined : new Set(options.clientIds);
  const ledger = (await assertLedgerConsistent(pool)).filter((client) => only === undefined || only.has(client.id));
  const transactions = outcomes.filter(isTransaction);

  const byDescricao = new Map<string, RequestOutcome>();
  for (const outcome of transactions) {
    const descricao = outcome.request.descricao!;
    assert.ok(!byDescricao.has(descricao), `test bug: descricao ${descricao} was sent twice`);
    byDescricao.set(descricao, outcome);
  }

  let ok = 0;
  let unknown = 0;
  for (const client of ledger) {
    const mine = transactions.filter((o) => o.request.clientId === client.id);
    const clientOk = mine.filter((o) => o.status === 200).length;
    const clientUnknown = mine.filter(isUnknownOutcome).length;
    ok += clientOk;
    unknown += clientUnknown;
    assert.ok(
      clientOk <= client.transactions && client.transactions <= clientOk + clientUnknown,
      `client ${client.id}: ${client.transactions} rows, but ${clientOk} answers were 200 and ${clientUnknown} unknown ` +
        `(must be 200s <= rows <= 200s + unknown)`,
    );
  }

  const { rows: allRows } = await pool.query<{ cliente_id: number; descricao: string; copies: number }>(
    'SELECT cliente_id, descricao, count(*)::int AS copies FROM transacoes GROUP BY cliente_id, descricao',
  );
  const rows = only === undefined ? allRows : allRows.filter((row) => only.has(row.cliente_id));
  const rowsOf = new Map<string, { clientId: number; copies: number }>();
  let rowCount = 0;
  for (const row of rows) {
    rowsOf.set(row.descricao, { clientId: row.cliente_id, copies: row.copies });
    rowCount += row.copies;
  }
  for (const row of rows) {
    const outcome = byDescricao.get(row.descricao);
    assert.ok(outcome !== undefined, `row with descricao ${row.descricao} matches no request the test sent`);
    assert.equal(row.cliente_id, outcome.request.clientId, `descricao ${row.descricao}: row on the wrong client`);
    assert.equal(row.copies, 1, `descricao ${row.descricao} (answer ${outcome.status}) was applied ${row.copies} times`);
    assert.ok(
      outcome.status === 200 || isUnknownOutcome(outcome),
      `descricao ${row.descricao} was applied although its answer was ${outcome.status} ${outcome.body}`,
    );
  }
  let appliedUnknown = 0;
  for (const [descricao, outcome] of byDescricao) {
    const row = rowsOf.get(descricao);
    if (outcome.status === 200) assert.ok(row !== undefined, `descricao ${descricao} got a 200 but has no row: a lost write`);
    else if (isUnknownOutcome(outcome) && row !== undefined) appliedUnknown++;
  }
  return { ledger, ok, unknown, rows: rowCount, appliedUnknown };
}

/** Every 200 the clients saw respects the limit: saldo >= -limite (transactions and statements). */
export function assertAnswersWithinLimits(outcomes: readonly RequestOutcome[]): void {
  for (const outcome of outcomes) {
    if (outcome.status !== 200) continue;
    const json = JSON.parse(outcome.body) as { saldo: number | { total: number; limite: number }; limite?: number };
    const [saldo, limite] = typeof json.saldo === 'number' ? [json.saldo, json.limite!] : [json.saldo.total, json.saldo.limite];
    assert.ok(Number.isInteger(saldo) && saldo >= -limite, `${outcome.request.method} ${outcome.request.path} answered 200 with ${outcome.body}`);
  }
}
