// The transfers module's store on Postgres: one named (prepared) statement per operation, each a
// call of one SQL function that does the atomic work and returns a typed outcome. Transfers are
// batched naturally (kernel/natural-batch.ts), as the ledger's credits and debits are: while
// `callsInFlight` transfer calls are running, new transfers wait, and the next call takes all of
// them (up to batchMax) in ONE transfer_batch call: one round trip and one commit for many
// transfers. At low load a transfer goes out at once, alone, through transfer(). Each is answered
// only after the commit that contains it. A transfer with an Idempotency-Key always goes alone through
// transfer() (which owns the key's rules), outside the queue: keys are the retry path, not the
// hot one.
import type pg from 'pg';
import { errorCodeForDatabaseError } from '../kernel/database-errors.js';
import { ErrorCode } from '../kernel/errors.js';
import { log } from '../kernel/log.js';
import type { DeadNotificationView, TransferView, UserView } from './schemas.js';
import {
  COUNT_DEAD_NOTIFICATIONS, CREATE_USER, DEAD_NOTIFICATIONS, DELETE_USER, FIND_USER, ISSUE_TOKEN, LOGIN_BEGIN, LOGIN_FAILED,
  REQUEUE_NOTIFICATION, TRANSFER, TRANSFER_BATCH, TRANSFER_REPLAY,
} from './store-sql.js';
import { NaturalBatch, type NaturalBatchOptions } from '../kernel/natural-batch.js';
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

/** Transfer calls (transfer or transfer_batch) in flight at once per instance, and the batches' bounds. */
export type TransferBatching = NaturalBatchOptions;

type TransferRow = [status: string, id: number, payer: number, payee: number, value: number, createdAt: string, replayed: boolean];
type ReplayRow = [state: string, status: string | null, id: number | null, payer: number | null, payee: number | null, value: number | null, createdAt: string | null];

interface TransferArguments {
  readonly tokenHash: Buffer;
  readonly payer: number;
  readonly payee: number;
  readonly cents: number;
  readonly request: KeyedRequest;
}

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
  private readonly transfers: NaturalBatch<TransferArguments, TransferRow>;

  constructor(
    private readonly pool: pg.Pool,
    batching: TransferBatching,
    /** Told the size of every transfer call sent (1 for transfer, n for transfer_batch). */
    onCall: (size: number) => void = () => {},
  ) {
    this.transfers = new NaturalBatch(batching, { one: (t) => this.single(t).then((rows) => rows[0]!), many: (batch) => this.batch(batch), onCall });
  }

  /** Transfers accepted but not answered yet (queued or in a call). */
  get pending(): number {
    return this.transfers.pending;
  }

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

  transfer(tokenHash: Buffer, payer: number, payee: number, cents: number, request: KeyedRequest): Promise<Outcome<TransferView>> {
    const transfer: TransferArguments = { tokenHash, payer, payee, cents, request };
    if (request.key !== null) return this.single(transfer).then((rows) => transferOutcome(rows[0]!));
    return this.transfers.submit(transfer).then(transferOutcome);
  }

  async transferReplay(tokenHash: Buffer, request: KeyedRequest): Promise<Outcome<TransferView> | undefined> {
    const row = (await this.all<ReplayRow>('transfer_replay', TRANSFER_REPLAY, [tokenHash, request.key, request.hash], 'array'))[0]!;
    if (row[0] === 'mismatch') return { code: ErrorCode.IdempotencyKeyReused, value: undefined, replayed: false };
    if (row[0] !== 'replay') return undefined;
    return transferOutcome([row[1]!, row[2]!, row[3]!, row[4]!, row[5]!, row[6]!, true]);
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

  private single(t: TransferArguments): Promise<TransferRow[]> {
    return this.all<TransferRow>('transfer', TRANSFER, [t.tokenHash, t.payer, t.payee, t.cents, t.request.key, t.request.hash], 'array');
  }

  private batch(batch: readonly TransferArguments[]): Promise<TransferRow[]> {
    const size = batch.length;
    const tokenHashes = new Array<Buffer>(size);
    const payers = new Array<number>(size);
    const payees = new Array<number>(size);
    const values = new Array<number>(size);
    for (let i = 0; i < size; i++) {
      const t = batch[i]!;
      tokenHashes[i] = t.tokenHash;
      payers[i] = t.payer;
      payees[i] = t.payee;
      values[i] = t.cents;
    }
    return this.all<TransferRow>('transfer_batch', TRANSFER_BATCH, [tokenHashes, payers, payees, values], 'array');
  }

  private async one<T extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<T> {
    return (await this.all<T>(name, text, values))[0]!;
  }

  private async all<T extends pg.QueryResultRow | unknown[]>(name: string, text: string, values: unknown[], rowMode?: 'array'): Promise<T[]> {
    try {
      // rowMode 'array' (the transfer calls): rows as arrays, no object per row.
      const result = (rowMode === undefined
        ? await this.pool.query({ name, text, values })
        : await this.pool.query({ name, text, values, rowMode })) as unknown as pg.QueryResult<T>;
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

function transferOutcome(row: TransferRow): Outcome<TransferView> {
  const [status, id, payer, payee, value, createdAt, replayed] = row;
  if (status !== 'ok') return { code: TRANSFER_OUTCOMES[status] ?? ErrorCode.Internal, value: undefined, replayed };
  return { code: undefined, value: { id, payer, payee, value: value / 100, createdAt }, replayed };
}

function userOutcome(row: UserRow, replayed: boolean): Outcome<UserView> {
  if (row.status !== 'ok') return { code: USER_OUTCOMES[row.status] ?? ErrorCode.Internal, value: undefined, replayed };
  return {
    code: undefined,
    value: { id: row.id!, fullName: row.full_name, document: row.document, email: row.email, type: row.kind, createdAt: row.created_at },
    replayed,
  };
}
