// The crébitos use cases, independent of HTTP and of Postgres. The routes hand in the raw path
// parameter and body text with a Responder; the store (store.ts) does the atomic work in SQL.
import { bearerTokenHash } from '../kernel/bearer-token.js';
import { ErrorCode } from '../kernel/errors.js';
import { answerError, isValidIdempotencyKey, REPLAYED_HEADERS, requestHash } from '../kernel/idempotency.js';
import type { Responder } from '../kernel/responder.js';
import { isOpenAccountId, parseClientId } from './client-id.js';
import { serializeStatement, serializeTransactionResult, type Statement } from './schemas.js';
import { parseTransactionBody } from './transaction-body.js';
import { errorCodeOf } from '../kernel/store-error.js';

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
  /** A credit/debit checked against the caller's token and/or recorded under an Idempotency-Key. */
  transactAsCaller(transaction: PendingTransaction, tokenHash: Buffer | null, key: string | null, hash: Buffer | null): Promise<CallerOutcome>;
  /** The statement of an account the token's user owns (or an open one); null when not visible. */
  statementAsCaller(clientId: number, tokenHash: Buffer): Promise<Statement | null>;
}

/** What transactAsCaller decided: applied (code undefined) or refused, and whether it is a replay. */
export interface CallerOutcome {
  readonly code: ErrorCode | undefined;
  readonly saldo: number;
  readonly limite: number;
  readonly replayed: boolean;
}


export interface Ledger {
  transact(clientIdText: string, body: string, responder: Responder): void;
  statement(clientIdText: string, responder: Responder): void;
  /**
   * The credit/debit of any request off the anonymous fast path: a user's account (only with its
   * owner's token; any other caller gets 404, as for a missing account) or an Idempotency-Key.
   */
  transactAsCaller(clientIdText: string, body: string, authorization: string, key: string, responder: Responder): void;
  statementAsCaller(clientIdText: string, authorization: string, responder: Responder): void;
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
        (error: unknown) => responder.fail(errorCodeOf(error)),
      )
      // A throw while answering must not become an unhandled rejection; a responder writes at most once.
      .catch(() => responder.fail(ErrorCode.Internal));
    },

    transactAsCaller(clientIdText, body, authorization, key, responder) {
      const clientId = parseClientId(clientIdText);
      if (clientId === undefined) return responder.fail(ErrorCode.ClientNotFound);
      if (key !== '' && !isValidIdempotencyKey(key)) return responder.fail(ErrorCode.InvalidIdempotencyKey);
      const tokenHash = bearerTokenHash(authorization) ?? null;
      // Without a token a user's account cannot be served: answered as a missing one, no query.
      if (tokenHash === null && !isOpenAccountId(clientId)) return responder.fail(ErrorCode.ClientNotFound);
      const transaction = new PendingTransaction(clientId, responder);
      const refusal = parseTransactionBody(body, transaction);
      if (refusal !== undefined) return responder.fail(refusal);
      const hash = key === '' ? null : requestHash('POST', `/clientes/${clientId}/transacoes`, body);
      store.transactAsCaller(transaction, tokenHash, key === '' ? null : key, hash).then(
        (outcome) => {
          if (outcome.code !== undefined) return answerError(responder, outcome.code, outcome.replayed);
          transaction.saldo = outcome.saldo;
          transaction.limite = outcome.limite;
          if (outcome.replayed) responder.json('200 OK', serializeTransactionResult(transaction), REPLAYED_HEADERS);
          else responder.ok(serializeTransactionResult(transaction));
        },
        (error: unknown) => responder.fail(errorCodeOf(error)),
      )
      .catch(() => responder.fail(ErrorCode.Internal));
    },

    statementAsCaller(clientIdText, authorization, responder) {
      const clientId = parseClientId(clientIdText);
      if (clientId === undefined) return responder.fail(ErrorCode.ClientNotFound);
      if (isOpenAccountId(clientId)) return this.statement(clientIdText, responder);
      const tokenHash = bearerTokenHash(authorization);
      if (tokenHash === undefined) return responder.fail(ErrorCode.ClientNotFound);
      store.statementAsCaller(clientId, tokenHash).then(
        (statement) => {
          if (statement === null) responder.fail(ErrorCode.ClientNotFound);
          else responder.ok(serializeStatement(statement));
        },
        (error: unknown) => responder.fail(errorCodeOf(error)),
      )
      .catch(() => responder.fail(ErrorCode.Internal));
    },
  };
}
