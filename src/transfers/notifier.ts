// The worker's job for this module: deliver the notifications that transfers queue, at least
// once. Several loops per worker (and several workers) claim due rows with SKIP LOCKED
// (claim_notifications), POST each to NOTIFY_URL with `Idempotency-Key: <notification id>`, and
// record every outcome in one statement (record_notification_attempts: delivered, retried with
// exponential backoff and jitter, or dead). A claim is a lease: if this process dies, what it held
// becomes due again when the lease ends, for any worker. Nothing is sent from memory: every
// attempt starts from a committed row.
import { StopSignal } from '../kernel/stop-signal.js';
import type pg from 'pg';
import { Pool } from 'undici';
import type { TransfersConfig } from '../config.js';
import { log } from '../kernel/log.js';
import { CLAIM_NOTIFICATIONS, PURGE_EXPIRED, RECORD_NOTIFICATION_ATTEMPTS } from './store-sql.js';

/** Claiming loops per worker: a delivery that hangs until its timeout holds up one loop only. */
const LOOPS = 4;
const PURGE_EVERY_MS = 10 * 60_000;
const IDEMPOTENCY_KEY_TTL_S = 24 * 3600;

interface ClaimedRow {
  id: string;
  attempts: number;
  transfer_id: number;
  payer: number;
  payee: number;
  value: number;
  created_at: string;
}

export interface NotifierStats {
  delivered: number;
  failed: number;
  died: number;
}

export class Notifier {
  readonly stats: NotifierStats = { delivered: 0, failed: 0, died: 0 };
  private readonly stopSignal = new StopSignal();
  private readonly http: Pool;
  private readonly path: string;
  private readonly batch: number;
  private readonly leaseMs: number;
  private loops: Promise<void>[] = [];
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly config: TransfersConfig,
  ) {
    const url = new URL(config.notifyUrl!);
    this.path = url.pathname + url.search;
    this.http = new Pool(url.origin, {
      connections: config.notifyConcurrency,
      connectTimeout: config.notifyTimeoutMs,
      headersTimeout: config.notifyTimeoutMs,
      bodyTimeout: config.notifyTimeoutMs,
      keepAliveTimeout: 4000,
    });
    this.batch = Math.max(1, Math.ceil(config.notifyConcurrency / LOOPS));
    // Longer than one attempt can take (its timeout), plus the time to record it.
    this.leaseMs = 2 * config.notifyTimeoutMs + 1000;
  }

  /** Resolves once the first claim query answered (the schema is there). */
  async start(): Promise<void> {
    await this.pool.query({ name: 'claim_notifications', text: CLAIM_NOTIFICATIONS, values: [0, this.leaseMs] });
    this.loops = Array.from({ length: LOOPS }, () => this.loop());
    void this.purge();
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  /** Stops claiming, waits for the attempts in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopSignal.raise();
    clearInterval(this.purgeTimer);
    await Promise.all(this.loops);
    await this.http.close().catch(() => {});
  }

  private async loop(): Promise<void> {
    while (!this.stopSignal.stopped) {
      let rows: ClaimedRow[];
      try {
        rows = (await this.pool.query<ClaimedRow>({ name: 'claim_notifications', text: CLAIM_NOTIFICATIONS, values: [this.batch, this.leaseMs] })).rows;
      } catch (error) {
        log.warn('claiming notifications failed; retrying', { error: (error as Error).message });
        await this.stopSignal.sleep(1000);
        continue;
      }
      if (rows.length === 0) {
        await this.stopSignal.sleep(this.config.notifyPollMs);
        continue;
      }
      const errors = await Promise.all(rows.map((row) => this.deliver(row)));
      await this.record(rows, errors);
    }
  }

  /** null when delivered (204); else why not. */
  private async deliver(row: ClaimedRow): Promise<string | null> {
    const body = JSON.stringify({
      notificationId: row.id,
      transferId: row.transfer_id,
      payer: row.payer,
      payee: row.payee,
      value: row.value / 100,
      createdAt: row.created_at,
    });
    try {
      const response = await this.http.request({
        method: 'POST',
        path: this.path,
        headers: { 'content-type': 'application/json', 'idempotency-key': row.id },
        body,
        signal: AbortSignal.timeout(this.config.notifyTimeoutMs),
      });
      await response.body.dump();
      return response.statusCode === 204 ? null : `status ${response.statusCode}`;
    } catch (error) {
      return (error as { code?: string }).code ?? (error as Error).name ?? 'error';
    }
  }

  private async record(rows: ClaimedRow[], errors: (string | null)[]): Promise<void> {
    const c = this.config;
    const values = [rows.map((r) => r.id), rows.map((r) => r.attempts), errors.map((e) => e === null), errors.map((e) => e ?? ''), c.notifyMaxAttempts, c.notifyBackoffBaseMs, c.notifyBackoffMaxMs];
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const { rows: [result] } = await this.pool.query<{ died: number }>({ name: 'record_notification_attempts', text: RECORD_NOTIFICATION_ATTEMPTS, values });
        const delivered = errors.filter((e) => e === null).length;
        this.stats.delivered += delivered;
        this.stats.failed += errors.length - delivered;
        this.stats.died += result!.died;
        if (result!.died > 0) log.warn('notifications dead after the last attempt', { count: result!.died });
        return;
      } catch (error) {
        // Unrecorded, the rows stay leased and are attempted again when the lease ends: a delivered
        // one is delivered again (at least once), with the same Idempotency-Key.
        log.warn('recording notification attempts failed', { error: (error as Error).message, attempt });
        await this.stopSignal.sleep(500);
      }
    }
  }

  private async purge(): Promise<void> {
    try {
      const { rows } = await this.pool.query<{ removed: number }>({ name: 'purge_expired', text: PURGE_EXPIRED, values: [IDEMPOTENCY_KEY_TTL_S, this.config.loginWindowS] });
      log.debug('purged expired keys, tokens and login windows', { removed: rows[0]!.removed });
    } catch (error) {
      log.warn('purge failed', { error: (error as Error).message });
    }
  }
}
