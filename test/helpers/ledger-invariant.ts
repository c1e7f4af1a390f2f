// The consistency check any test can call: for every client, the balance equals the sum of its
// transactions and never passes its limit.
import assert from 'node:assert/strict';
import pg from 'pg';

export interface ClientLedger {
  id: number;
  limite: number;
  saldo: number;
  sumOfTransactions: number;
  transactions: number;
}

export async function readLedger(db: pg.Pool | pg.Client | string): Promise<ClientLedger[]> {
  const own = typeof db === 'string' ? new pg.Client({ connectionString: db }) : undefined;
  if (own) await own.connect();
  try {
    const { rows } = await (own ?? (db as pg.Pool)).query(`
      SELECT c.id, c.limite, c.saldo::text AS saldo,
             coalesce(sum(CASE t.tipo WHEN 'c' THEN t.valor ELSE -t.valor END), 0)::text AS sum,
             count(t.id)::int AS transactions
        FROM clientes c LEFT JOIN transacoes t ON t.cliente_id = c.id
       GROUP BY c.id ORDER BY c.id`);
    return rows.map((row) => ({
      id: row.id,
      limite: row.limite,
      saldo: Number(row.saldo),
      sumOfTransactions: Number(row.sum),
      transactions: row.transactions,
    }));
  } finally {
    await own?.end();
  }
}

/** Asserts the ledger invariant and returns the ledger, for further assertions. */
export async function assertLedgerConsistent(db: pg.Pool | pg.Client | string): Promise<ClientLedger[]> {
  const ledger = await readLedger(db);
  for (const client of ledger) {
    assert.equal(client.saldo, client.sumOfTransactions, `client ${client.id}: balance ${client.saldo} != sum of transactions ${client.sumOfTransactions}`);
    assert.ok(client.saldo >= -client.limite, `client ${client.id}: balance ${client.saldo} passes limit ${client.limite}`);
  }
  return ledger;
}

export function totalTransactions(ledger: ClientLedger[]): number {
  return ledger.reduce((sum, client) => sum + client.transactions, 0);
}
