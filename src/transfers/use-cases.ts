// The transfers module's use cases, independent of HTTP and of Postgres: the routes hand in the
// raw path parameter, headers and body text with a Responder; the store does the atomic work in
// SQL; the authorizer is asked before the transfer's database call (never under a lock).
import type { TransfersConfig } from '../config.js';
import { bearerTokenHash, newToken } from '../kernel/bearer-token.js';
import { ErrorCode } from '../kernel/errors.js';
import { answerError, isValidIdempotencyKey, REPLAYED_HEADERS, requestHash } from '../kernel/idempotency.js';
import type { Responder } from '../kernel/responder.js';
import type { Authorizer } from './authorizer.js';
import { hashPassword, verifyPassword } from './password.js';
import { parseCredentials, parseRegistration, parseTransferRequest, type Registration } from './request-bodies.js';
import { serializeToken, serializeTransfer, serializeUser, type DeadNotificationView, type TransferView, type UserView } from './schemas.js';
import { parseUserId } from './user-id.js';
import { errorCodeOf } from '../kernel/store-error.js';

/** An Idempotency-Key and the request's hash, both null without the header. */
export interface KeyedRequest {
  readonly key: string | null;
  readonly hash: Buffer | null;
}

/** A store call's outcome: code undefined with the value, or the error code; replayed under a key. */
export interface Outcome<T> {
  readonly code: ErrorCode | undefined;
  readonly value: T | undefined;
  readonly replayed: boolean;
}

export interface LoginState {
  readonly throttled: boolean;
  readonly userId: number | null;
  readonly passwordHash: string | null;
}

/** The database side, implemented by store.ts. Failures reject with a StoreError. */
export interface TransfersStore {
  createUser(user: Registration, passwordHash: string, request: KeyedRequest): Promise<Outcome<UserView>>;
  findUser(tokenHash: Buffer, id: number): Promise<Outcome<UserView>>;
  deleteUser(tokenHash: Buffer, id: number, request: KeyedRequest): Promise<Outcome<null>>;
  loginBegin(email: string, maxFailures: number, windowS: number): Promise<LoginState>;
  loginFailed(email: string, windowS: number): Promise<void>;
  issueToken(userId: number, tokenHash: Buffer, ttlS: number, email: string): Promise<boolean>;
  transfer(tokenHash: Buffer, payer: number, payee: number, cents: number, request: KeyedRequest): Promise<Outcome<TransferView>>;
  /** The stored answer of a keyed transfer (undefined when none), without doing anything. */
  transferReplay(tokenHash: Buffer, request: KeyedRequest): Promise<Outcome<TransferView> | undefined>;
  deadNotifications(): Promise<DeadNotificationView[]>;
  requeueNotification(id: string): Promise<boolean>;
}


const CREATED = '201 Created';
const OK = '200 OK';
const NO_CONTENT = '204 No Content';
const NO_HEADERS: readonly (readonly [string, string])[] = [];
const NOT_REPLAYED: KeyedRequest = { key: null, hash: null };

export interface Transfers {
  register(body: string, key: string, responder: Responder): void;
  login(body: string, responder: Responder): void;
  findUser(idText: string, authorization: string, responder: Responder): void;
  deleteUser(idText: string, authorization: string, key: string, responder: Responder): void;
  transfer(body: string, authorization: string, key: string, responder: Responder): void;
}

export function createTransfers(store: TransfersStore, authorizer: Authorizer, config: TransfersConfig, dummyHash: Promise<string>): Transfers {
  /** The key's check (422 when malformed) and the request's hash; undefined when answered. */
  const keyed = (key: string, method: string, path: string, body: string, responder: Responder): KeyedRequest | undefined => {
    if (key === '') return NOT_REPLAYED;
    if (!isValidIdempotencyKey(key)) {
      responder.fail(ErrorCode.InvalidIdempotencyKey);
      return undefined;
    }
    return { key, hash: requestHash(method, path, body) };
  };
  const answer = <T>(responder: Responder, outcome: Outcome<T>, status: string, serialize: (value: T) => string) => {
    if (outcome.code !== undefined) return answerError(responder, outcome.code, outcome.replayed);
    responder.json(status, serialize(outcome.value as T), outcome.replayed ? REPLAYED_HEADERS : NO_HEADERS);
  };
  const failed = (responder: Responder) => (error: unknown) => responder.fail(errorCodeOf(error));

  return {
    register(body, key, responder) {
      const user = parseRegistration(body);
      if (typeof user === 'number') return responder.fail(user);
      const request = keyed(key, 'POST', '/users', body, responder);
      if (request === undefined) return;
      hashPassword(user.password, config.passwordScryptLogN)
        .then((passwordHash) => store.createUser(user, passwordHash, request))
        .then((outcome) => answer(responder, outcome, CREATED, serializeUser), failed(responder))
        .catch(failed(responder));
    },

    login(body, responder) {
      const credentials = parseCredentials(body);
      if (typeof credentials === 'number') return responder.fail(credentials);
      const { email, password } = credentials;
      (async () => {
        const state = await store.loginBegin(email, config.loginMaxFailures, config.loginWindowS);
        if (state.throttled) return responder.fail(ErrorCode.TooManyLogins);
        // An unknown e-mail costs the same scrypt as a known one: the answer and its time say nothing.
        const matches = await verifyPassword(password, state.passwordHash ?? (await dummyHash));
        if (state.userId === null || !matches) {
          await store.loginFailed(email, config.loginWindowS);
          return responder.fail(ErrorCode.WrongCredentials);
        }
        const { token, hash } = newToken();
        if (!(await store.issueToken(state.userId, hash, config.tokenTtlS, email))) return responder.fail(ErrorCode.WrongCredentials);
        responder.json(OK, serializeToken({ access_token: token, token_type: 'Bearer', expires_in: config.tokenTtlS }));
      })().catch(failed(responder));
    },

    findUser(idText, authorization, responder) {
      const tokenHash = bearerTokenHash(authorization);
      if (tokenHash === undefined) return responder.fail(ErrorCode.Unauthenticated);
      const id = parseUserId(idText);
      if (id === undefined) return responder.fail(ErrorCode.UserNotFound);
      store.findUser(tokenHash, id).then((outcome) => answer(responder, outcome, OK, serializeUser), failed(responder)).catch(failed(responder));
    },

    deleteUser(idText, authorization, key, responder) {
      const tokenHash = bearerTokenHash(authorization);
      if (tokenHash === undefined) return responder.fail(ErrorCode.Unauthenticated);
      const id = parseUserId(idText);
      if (id === undefined) return responder.fail(ErrorCode.UserNotFound);
      const request = keyed(key, 'DELETE', `/users/${id}`, '', responder);
      if (request === undefined) return;
      store.deleteUser(tokenHash, id, request).then((outcome) => answer(responder, outcome, NO_CONTENT, () => ''), failed(responder)).catch(failed(responder));
    },

    transfer(body, authorization, key, responder) {
      const tokenHash = bearerTokenHash(authorization);
      if (tokenHash === undefined) return responder.fail(ErrorCode.Unauthenticated);
      const transfer = parseTransferRequest(body);
      if (typeof transfer === 'number') return responder.fail(transfer);
      const request = keyed(key, 'POST', '/transfer', body, responder);
      if (request === undefined) return;
      // Asked before the database call: no lock is held while the authorizer takes its time.
      authorizer
        .authorize()
        .then((decision) => {
          if (decision === 'allowed') {
            return store
              .transfer(tokenHash, transfer.payer, transfer.payee, transfer.cents, request)
              .then((outcome) => answer(responder, outcome, CREATED, serializeTransfer), failed(responder));
          }
          const verdict = decision === 'refused' ? ErrorCode.TransferRefused : ErrorCode.AuthorizerUnavailable;
          if (request.key === null) return responder.fail(verdict);
          // A retry of a transfer that already happened gets its first answer, whatever the
          // authorizer says today (refused, or down: the retry is most likely during an outage).
          return store
            .transferReplay(tokenHash, request)
            .then((stored) => (stored === undefined ? responder.fail(verdict) : answer(responder, stored, CREATED, serializeTransfer)), failed(responder));
        })
        .catch(failed(responder));
    },
  };
}
