// The transfers module's store on Postgres: one named (prepared) statement per operation, each a
// call of one SQL function that does the atomic work and returns a typed outcome.
import type pg from 'pg';
import { errorCodeForDatabaseError } from '../kernel/database-errors.js';
import { ErrorCode } from '../kernel/errors.js';
import { log } from '../kernel/log.js';
import type { DeadNotificationView, TransferView, UserView } from './schemas.js';
import {
  COUNT_DEAD_NOTIFICATIONS, CREATE_USER, DEAD_NOTIFICATIONS, DELETE_USER, FIND_USER, ISSUE_TOKEN, LOGIN_BEGIN, LOGIN_FAILED,
  REQUEUE_NOTIFICATION, TRANSFER,
} from './store-sql.js';
import { StoreError } from '../kernel/store-error.js';
import { type KeyedRequest, type LoginState, type Outcome, type TransfersStore } from './use-cases.js';
import type { Registration } from './request-bodies.js';

const USER_OUTCOMES: Readonly<Record<string, ErrorCode>> = {
  unauthenticated: ErrorCode.Unauthenticated,
  not_found: ErrorCode.UserNotFound,
  document_taken: ErrorCode.DocumentTaken,
  email_taken: ErrorCode.EmailTaken,
  key_in_progress: ErrorCode.IdempotencyKeyInProgress,
  key_reused: ErrorCode.IdempotencyKeyReused,
};

const TRANSFER_OUTCOMES: Readonly<Record<string, ErrorCode>> = {
  unauthenticated: ErrorCode.Unauthenticated,
  token_not_payer: ErrorCode.TokenNotPayer,
  payer_is_merchant: ErrorCode.PayerIsMerchant,
  payer_not_found: ErrorCode.PayerNotFound,
  payee_not_found: ErrorCode.PayeeNotFound,
  insufficient_balance: ErrorCode.InsufficientBalance,
  balance_overflow: ErrorCode.BalanceOverflow,
  key_in_progress: ErrorCode.IdempotencyKeyInProgress,
  key_reused: ErrorCode.IdempotencyKeyReused,
};

interface UserRow {
  status: string;
  id: number | null;
  full_name: string;
  document: string;
  email: string;
  kind: string;
  created_at: string;
  replayed?: boolean;
}

export class PgTransfersStore implements TransfersStore {
  private reachable = true;

  constructor(private readonly pool: pg.Pool) {}

  async createUser(user: Registration, passwordHash: string, request: KeyedRequest): Promise<Outcome<UserView>> {
    const row = await this.one<UserRow>('create_user', CREATE_USER, [user.fullName, user.document, user.email, passwordHash, user.kind, request.key, request.hash]);
    return userOutcome(row, row.replayed === true);
  }

  async findUser(tokenHash: Buffer, id: number): Promise<Outcome<UserView>> {
    return userOutcome(await this.one<UserRow>('find_user', FIND_USER, [tokenHash, id]), false);
  }

  async deleteUser(tokenHash: Buffer, id: number, request: KeyedRequest): Promise<Outcome<null>> {
    const row = await this.one<{ status: string; replayed: boolean }>('delete_user', DELETE_USER, [tokenHash, id, request.key, request.hash]);
    if (row.status === 'ok') return { code: undefined, value: null, replayed: row.replayed };
    return { code: USER_OUTCOMES[row.status] ?? ErrorCode.Internal, value: undefined, replayed: row.replayed };
  }

  async loginBegin(email: string, maxFailures: number, windowS: number): Promise<LoginState> {
    const row = await this.one<{ throttled: boolean; user_id: number | null; password_hash: string | null }>('login_begin', LOGIN_BEGIN, [email, maxFailures, windowS]);
    return { throttled: row.throttled, userId: row.user_id, passwordHash: row.password_hash };
  }

  async loginFailed(email: string, windowS: number): Promise<void> {
    await this.one('login_failed', LOGIN_FAILED, [email, windowS]);
  }

  async issueToken(userId: number, tokenHash: Buffer, ttlS: number, email: string): Promise<boolean> {
    return (await this.one<{ issue_token: boolean }>('issue_token', ISSUE_TOKEN, [userId, tokenHash, ttlS, email])).issue_token;
  }

  async transfer(tokenHash: Buffer, payer: number, payee: number, cents: number, request: KeyedRequest): Promise<Outcome<TransferView>> {
    const row = await this.one<{ status: string; id: number; payer: number; payee: number; value: number; created_at: string; replayed: boolean }>(
      'transfer', TRANSFER, [tokenHash, payer, payee, cents, request.key, request.hash]);
    if (row.status !== 'ok') return { code: TRANSFER_OUTCOMES[row.status] ?? ErrorCode.Internal, value: undefined, replayed: row.replayed };
    return { code: undefined, value: { id: row.id, payer: row.payer, payee: row.payee, value: row.value / 100, createdAt: row.created_at }, replayed: row.replayed };
  }

  async deadNotifications(): Promise<DeadNotificationView[]> {
    const rows = await this.all<{ id: string; transfer_id: number; payee: number; attempts: number; last_error: string | null; dead_at: string }>('dead_notifications', DEAD_NOTIFICATIONS, []);
    return rows.map((r) => ({ id: r.id, transferId: r.transfer_id, payee: r.payee, attempts: r.attempts, lastError: r.last_error, deadAt: r.dead_at }));
  }

  async countDeadNotifications(): Promise<number> {
    return (await this.one<{ dead: number }>('count_dead_notifications', COUNT_DEAD_NOTIFICATIONS, [])).dead;
  }

  async requeueNotification(id: string): Promise<boolean> {
    return (await this.one<{ requeue_notification: boolean }>('requeue_notification', REQUEUE_NOTIFICATION, [id])).requeue_notification;
  }

  private async one<T extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<T> {
    return (await this.all<T>(name, text, values))[0]!;
  }

  private async all<T extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<T[]> {
    try {
      const result = await this.pool.query<T>({ name, text, values });
      if (!this.reachable) {
        this.reachable = true;
        log.info('database reachable again');
      }
      return result.rows;
    } catch (error) {
      const code = errorCodeForDatabaseError(error);
      if (code === ErrorCode.DatabaseUnavailable) {
        if (this.reachable) log.warn('database unavailable; answering 503 until it is back', { error: (error as Error).message });
        this.reachable = false;
      } else {
        log.error('database call failed', { statement: name, error: (error as Error).message, code: (error as { code?: string }).code });
      }
      throw new StoreError(code, (error as Error).message, { cause: error });
    }
  }
}

function userOutcome(row: UserRow, replayed: boolean): Outcome<UserView> {
  if (row.status !== 'ok') return { code: USER_OUTCOMES[row.status] ?? ErrorCode.Internal, value: undefined, replayed };
  return {
    code: undefined,
    value: { id: row.id!, fullName: row.full_name, document: row.document, email: row.email, type: row.kind, createdAt: row.created_at },
    replayed,
  };
}
