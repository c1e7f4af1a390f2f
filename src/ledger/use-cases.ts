// The crébitos use cases, independent of HTTP and of Postgres. The routes hand in the raw path
// parameter and body text with a Responder; the store (store.ts) does the atomic work in SQL.
import { ErrorCode } from '../kernel/errors.js';
import type { Responder } from '../kernel/responder.js';
import { parseClientId } from './client-id.js';
import { serializeStatement, serializeTransactionResult, type Statement } from './schemas.js';
import { parseTransactionBody } from './transaction-body.js';

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
    private readonly responder: Responder,
  ) {}

  /** Called by the store once the transaction committed. */
  applied(saldo: number, limite: number): void {
    this.saldo = saldo;
    this.limite = limite;
    this.responder.ok(serializeTransactionResult(this));
  }

  /** Called by the store when the transaction was refused or could not be run; nothing changed. */
  refused(code: ErrorCode): void {
    this.responder.fail(code);
  }
}

/** The database side, implemented by store.ts. */
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
  transact(clientIdText: string, body: string, responder: Responder): void;
  statement(clientIdText: string, responder: Responder): void;
}

export function createLedger(store: LedgerStore): Ledger {
  return {
    transact(clientIdText, body, responder) {
      const clientId = parseClientId(clientIdText);
      if (clientId === undefined) return responder.fail(ErrorCode.ClientNotFound);
      const transaction = new PendingTransaction(clientId, responder);
      const refusal = parseTransactionBody(body, transaction);
      if (refusal !== undefined) return responder.fail(refusal);
      store.transact(transaction);
    },

    statement(clientIdText, responder) {
      const clientId = parseClientId(clientIdText);
      if (clientId === undefined) return responder.fail(ErrorCode.ClientNotFound);
      store.statement(clientId).then(
        (statement) => {
          if (statement === null) responder.fail(ErrorCode.ClientNotFound);
          else responder.ok(serializeStatement(statement));
        },
        (error: unknown) => responder.fail(error instanceof StoreError ? error.code : ErrorCode.Internal),
      )
      // A throw while answering must not become an unhandled rejection; a responder writes at most once.
      .catch(() => responder.fail(ErrorCode.Internal));
    },
  };
}
