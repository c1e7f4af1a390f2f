// The ledger's store on Postgres. Transactions are batched naturally: while every connection has a
// call in flight, new transactions wait in a queue, and the next free connection takes all of
// them (up to batchMax) in ONE transact_batch call: one round trip and one commit (one WAL
// flush) for many requests. At low load a transaction goes out at once, alone, through transact(),
// the one-statement form of a batch of one: no added latency. Each request is still answered only
// after the commit that contains it.
import type pg from 'pg';
import { errorCodeForDatabaseError } from '../kernel/database-errors.js';
import { ErrorCode } from '../kernel/errors.js';
import { log } from '../kernel/log.js';
import type { Statement, StatementEntry } from './schemas.js';
import { ACCOUNT_STATEMENT, ACCOUNT_STATEMENT_AS_CALLER, TRANSACT, TRANSACT_AS_CALLER, TRANSACT_BATCH } from './store-sql.js';
import { StoreError } from '../kernel/store-error.js';
import { PendingTransaction, type CallerOutcome, type LedgerStore } from './use-cases.js';

export interface BatchingOptions {
  /** Credit/debit calls (transact or transact_batch) in flight at once; at most the pool size. */
  readonly maxInFlight: number;
  /** Most transactions in one call. */
  readonly batchMax: number;
  /** Waiting transactions beyond which new ones are refused with 503 at once. */
  readonly queueMax: number;
}

const REFUSAL_CODES: Readonly<Record<string, ErrorCode>> = {
  client_not_found: ErrorCode.ClientNotFound,
  limit_exceeded: ErrorCode.LimitExceeded,
  balance_overflow: ErrorCode.BalanceOverflow,
  key_in_progress: ErrorCode.IdempotencyKeyInProgress,
  key_reused: ErrorCode.IdempotencyKeyReused,
};

type TransactRow = [status: string, saldo: number, limite: number];
type TransactAsCallerRow = [status: string, saldo: number, limite: number, replayed: boolean];
type StatementRow = [saldo: number, limite: number, dataExtrato: string, valor: number | null, tipo: string, descricao: string, realizadaEm: string];

export class PgLedgerStore implements LedgerStore {
  private readonly queue: PendingTransaction[] = [];
  private inFlight = 0;
  private reachable = true;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: BatchingOptions,
    /** Told the size of every credit/debit call sent (1 for transact, n for transact_batch). */
    private readonly onCall: (size: number) => void = () => {},
  ) {}

  /** Transactions waiting for a free call. */
  get queued(): number {
    return this.queue.length;
  }

  /** Transactions accepted but not answered yet (queued or in a call). */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  transact(transaction: PendingTransaction): void {
    if (this.inFlight < this.options.maxInFlight) {
      this.send([transaction]);
    } else if (this.queue.length < this.options.queueMax) {
      this.queue.push(transaction);
    } else {
      transaction.refused(ErrorCode.Overloaded);
    }
  }

  statement(clientId: number): Promise<Statement | null> {
    return new Promise((resolve, reject) => {
      this.pool.query<StatementRow>(
        { name: 'account_statement', text: ACCOUNT_STATEMENT, values: [clientId], rowMode: 'array' },
        (error, result) => {
          if (error) return reject(this.storeError(error));
          this.markReachable();
          resolve(result.rows.length === 0 ? null : toStatement(result.rows));
        },
      );
    });
  }

  /**
   * A credit/debit that is not on the anonymous fast path: a user's account (its owner's token
   * is checked in the writing statement) or a request with an Idempotency-Key. One call, no
   * batching: these are not the Rinha hot path.
   */
  async transactAsCaller(transaction: PendingTransaction, tokenHash: Buffer | null, key: string | null, hash: Buffer | null): Promise<CallerOutcome> {
    let rows: TransactAsCallerRow[];
    try {
      rows = (
        await this.pool.query<TransactAsCallerRow>({
          name: 'account_transact_as_caller',
          text: TRANSACT_AS_CALLER,
          values: [tokenHash, transaction.clientId, transaction.valor, transaction.tipo, transaction.descricao, key, hash],
          rowMode: 'array',
        })
      ).rows;
    } catch (error) {
      throw this.storeError(error as Error);
    }
    this.markReachable();
    const [status, saldo, limite, replayed] = rows[0]!;
    if (status === 'ok') return { code: undefined, saldo, limite, replayed };
    return { code: REFUSAL_CODES[status] ?? ErrorCode.Internal, saldo, limite, replayed };
  }

  /** A user's statement, for its owner's token only (checked in the reading query). */
  statementAsCaller(clientId: number, tokenHash: Buffer): Promise<Statement | null> {
    return new Promise((resolve, reject) => {
      this.pool.query<StatementRow>(
        { name: 'account_statement_as_caller', text: ACCOUNT_STATEMENT_AS_CALLER, values: [tokenHash, clientId], rowMode: 'array' },
        (error, result) => {
          if (error) return reject(this.storeError(error));
          this.markReachable();
          resolve(result.rows.length === 0 ? null : toStatement(result.rows));
        },
      );
    });
  }

  /**
   * Opens `connections` pool connections at once and prepares the store's three statements on
   * each (named statements: node-postgres prepares each once per connection, then only binds),
   * so that no request pays for connecting or preparing.
   */
  async warmUp(connections: number): Promise<void> {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = await this.pool.connect();
        try {
          await client.query({ name: 'transact_batch', text: TRANSACT_BATCH, values: [[], [], [], []] });
          await client.query({ name: 'transact', text: TRANSACT, values: [0, 1, 'c', 'warm-up'] }); // no client 0: writes nothing
          await client.query({ name: 'account_statement', text: ACCOUNT_STATEMENT, values: [0] });
        } finally {
          client.release();
        }
      }),
    );
  }

  private send(batch: PendingTransaction[]): void {
    this.inFlight++;
    const size = batch.length;
    this.onCall(size);
    const done = (error: Error | null, result: pg.QueryResult<TransactRow>): void => {
      this.inFlight--;
      if (error) {
        const code = this.storeError(error).code;
        for (let i = 0; i < size; i++) settle(batch[i]!, code);
      } else {
        this.markReachable();
        const rows = result.rows;
        for (let i = 0; i < size; i++) settle(batch[i]!, rows[i]);
      }
      this.sendQueued();
    };
    if (size === 1) {
      const transaction = batch[0]!;
      const values = [transaction.clientId, transaction.valor, transaction.tipo, transaction.descricao];
      this.pool.query<TransactRow>({ name: 'transact', text: TRANSACT, values, rowMode: 'array' }, done);
      return;
    }
    const clientIds = new Array<number>(size);
    const valores = new Array<number>(size);
    const tipos = new Array<string>(size);
    const descricoes = new Array<string>(size);
    for (let i = 0; i < size; i++) {
      const transaction = batch[i]!;
      clientIds[i] = transaction.clientId;
      valores[i] = transaction.valor;
      tipos[i] = transaction.tipo;
      descricoes[i] = transaction.descricao;
    }
    this.pool.query<TransactRow>({ name: 'transact_batch', text: TRANSACT_BATCH, values: [clientIds, valores, tipos, descricoes], rowMode: 'array' }, done);
  }

  private sendQueued(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      this.send(this.queue.splice(0, this.options.batchMax));
    }
  }

  private storeError(error: Error): StoreError {
    const code = errorCodeForDatabaseError(error);
    if (code === ErrorCode.DatabaseUnavailable) {
      if (this.reachable) log.warn('database unavailable; answering 503 until it is back', { error: error.message });
      this.reachable = false;
    } else {
      log.error('database call failed', { error: error.message, code: (error as { code?: string }).code });
    }
    return new StoreError(code, error.message, { cause: error });
  }

  private markReachable(): void {
    if (!this.reachable) {
      this.reachable = true;
      log.info('database reachable again');
    }
  }
}

/** Answers one transaction; a failure to answer one must not keep the others unanswered. */
function settle(transaction: PendingTransaction, outcome: TransactRow | ErrorCode | undefined): void {
  try {
    if (typeof outcome === 'number') transaction.refused(outcome);
    else if (outcome === undefined) transaction.refused(ErrorCode.Internal); // fewer rows than inputs: a bug
    else if (outcome[0] === 'ok') transaction.applied(outcome[1], outcome[2]);
    else transaction.refused(REFUSAL_CODES[outcome[0]] ?? ErrorCode.Internal);
  } catch (error) {
    log.error('answering a transaction failed', { error: (error as Error).message });
  }
}

function toStatement(rows: StatementRow[]): Statement {
  const first = rows[0]!;
  const entries: StatementEntry[] = [];
  for (const row of rows) {
    if (row[3] === null) break; // the client has no transaction yet
    entries.push({ valor: row[3], tipo: row[4], descricao: row[5], realizada_em: row[6] });
  }
  return { saldo: { total: first[0], data_extrato: first[2], limite: first[1] }, ultimas_transacoes: entries };
}
