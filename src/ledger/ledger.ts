// The crébitos use cases, independent of HTTP and of Postgres. The edge hands in the raw path
// parameter and body text with a Reply; the store (db/) does the atomic work in SQL.
import { ErrorCode } from '../errors.js';
import { parseClientId } from './client-id.js';
import { serializeStatement, serializeTransactionResult, type Statement } from './schemas.js';
import { parseTransactionBody } from './transaction-body.js';

/** Where a request's outcome goes: exactly one of these is called, once. */
export interface Reply {
  ok(json: string): void;
  fail(code: ErrorCode): void;
}

/**
 * One credit or debit waiting for the store. It is also the object its serializer reads
 * (`limite`, `saldo`), so that answering allocates nothing more.
 */
export class PendingTransaction {
  valor = 0;
  tipo = '';
  descricao = '';
  limite = 0;
  saldo = 0;

  constructor(
    readonly clientId: number,
    private readonly reply: Reply,
  ) {}

  /** Called by the store once the transaction committed. */
  applied(saldo: number, limite: number): void {
    this.saldo = saldo;
    this.limite = limite;
    this.reply.ok(serializeTransactionResult(this));
  }

  /** Called by the store when the transaction was refused or could not be run; nothing changed. */
  refused(code: ErrorCode): void {
    this.reply.fail(code);
  }
}

/** The database side, implemented in db/. */
export interface LedgerStore {
  /** Applies the transaction atomically and calls exactly one of applied/refused. */
  transact(transaction: PendingTransaction): void;
  /** The client's statement from one snapshot; null when the client does not exist. */
  statement(clientId: number): Promise<Statement | null>;
}

/** Thrown or rejected by a store when it cannot do the work; carries the code to answer. */
export class StoreError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export interface Ledger {
  transact(clientIdText: string, body: string, reply: Reply): void;
  statement(clientIdText: string, reply: Reply): void;
}

export function createLedger(store: LedgerStore): Ledger {
  return {
    transact(clientIdText, body, reply) {
      const clientId = parseClientId(clientIdText);
      if (clientId === 0) return reply.fail(ErrorCode.ClientNotFound);
      const transaction = new PendingTransaction(clientId, reply);
      const invalid = parseTransactionBody(body, transaction);
      if (invalid !== 0) return reply.fail(invalid);
      store.transact(transaction);
    },

    statement(clientIdText, reply) {
      const clientId = parseClientId(clientIdText);
      if (clientId === 0) return reply.fail(ErrorCode.ClientNotFound);
      store.statement(clientId).then(
        (statement) => {
          if (statement === null) reply.fail(ErrorCode.ClientNotFound);
          else reply.ok(serializeStatement(statement));
        },
        (error: unknown) => reply.fail(error instanceof StoreError ? error.code : ErrorCode.Internal),
      )
      // A throw while answering must not become an unhandled rejection; Reply writes at most once.
      .catch(() => reply.fail(ErrorCode.Internal));
    },
  };
}
