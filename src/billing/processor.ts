// The worker's jobs for this module: a boleto per imported debt, then an e-mail per boleto.
//
// Boletos: loops claim 'boletos' jobs (a range of BOLETO_BATCH debts each, queued by the import)
// with SKIP LOCKED, compute the range's payment lines in Node (boleto.ts) and record them with
// one call of billing_issue_boletos (one UPDATE for the batch, the files' counters, the e-mail
// jobs of the range, the job done), all in one transaction.
//
// E-mails: BILLING_SMTP_CONNECTIONS lanes, each on its own SMTP connection (smtp-lane.ts),
// each claiming an 'emails' job (EMAIL_BATCH debts) and sending its debts ONE AT A TIME: a lane
// sends the next e-mail only after the outcome of the previous one is committed
// (billing_record_emails; the lanes' outcomes are batched into one statement per commit). So a
// worker killed anywhere leaves at most one e-mail per lane sent but not recorded, and that one
// alone is sent again when its job's lease ends: at most BILLING_SMTP_CONNECTIONS repeats per
// kill, each with the same Message-ID (<debtId@billing.crebitos>), so a receiver can tell.
import { StopSignal } from '../kernel/stop-signal.js';
import type pg from 'pg';
import type { BillingConfig } from '../config.js';
import { log } from '../kernel/log.js';
import { debtPaymentLine, formatPaymentLine } from './boleto.js';
import { type Envelope, type SmtpError, SmtpLane } from './smtp-lane.js';
import {
  CLAIM_JOBS, DEBTS_TO_EMAIL, DEBTS_TO_ISSUE, EXTEND_JOB_LEASE, FINISH_EMAIL_JOB, ISSUE_BOLETOS, RECORD_EMAILS, REMOVE_STALE_UPLOADS,
} from './store-sql.js';

/** Debts per e-mail job: what one lane sends between two claims. */
export const EMAIL_BATCH = 200;
const BOLETO_LOOPS = 2;
const STALE_UPLOAD_S = 120;
const SWEEP_EVERY_MS = 30_000;

export function messageIdOf(debtId: string): string {
  return `<${debtId}@billing.crebitos>`;
}

interface Job {
  id: number;
  seq_from: number;
  seq_to: number;
  attempts: number;
}

interface DebtToEmail {
  seq: number;
  debt_id: string;
  name: string;
  email: string;
  amount_cents: number;
  due_date: string;
  payment_line: string;
}

interface Outcome {
  seq: number;
  sent: boolean;
  permanent: boolean;
  error: string;
}

export interface BillingStats {
  boletos: number;
  sent: number;
  failed: number;
}

/** Cents as Brazilian money: 100000000 -> "R$ 1.000.000,00" (ASCII: a plain space). */
export function brl(cents: number): string {
  const reais = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `R$ ${reais},${String(cents % 100).padStart(2, '0')}`;
}

/**
 * The debtor's e-mail as a complete RFC 5322 message: text/plain in UTF-8, base64 (any name
 * travels safely), ASCII headers (the addresses are ASCII by the CSV's rule, the subject by
 * construction). Composed here rather than by nodemailer's MailComposer, which costs ~0.4 ms of
 * CPU per message (bench:billing: the worker was the e-mail phase's bottleneck); nodemailer's
 * SMTP connection (smtp-lane.ts) still sends it.
 */
export function emailOf(debt: DebtToEmail, from: string, now: Date = new Date()): { envelope: Envelope; raw: string } {
  const due = `${debt.due_date.slice(8, 10)}/${debt.due_date.slice(5, 7)}/${debt.due_date.slice(0, 4)}`;
  const amount = brl(Number(debt.amount_cents));
  const text =
    `Olá, ${debt.name}.\r\n\r\n` +
    `Segue o boleto da sua dívida ${debt.debt_id}.\r\n\r\n` +
    `Valor: ${amount}\r\nVencimento: ${due}\r\nLinha digitável: ${formatPaymentLine(debt.payment_line)}\r\n\r\n` +
    'Pague no aplicativo ou site do seu banco, em uma agência ou lotérica, digitando a linha acima.\r\n';
  const body = Buffer.from(text, 'utf8').toString('base64').replace(/.{76}(?=.)/g, '$&\r\n');
  const raw =
    `From: ${from}\r\nTo: ${debt.email}\r\nSubject: Boleto de ${amount} com vencimento em ${due}\r\n` +
    `Date: ${now.toUTCString().replace('GMT', '+0000')}\r\nMessage-ID: ${messageIdOf(debt.debt_id)}\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}\r\n`;
  return { envelope: { from, to: [debt.email] }, raw };
}

/** Batches the lanes' outcomes: one statement per commit, each outcome resolved after its commit. */
class OutcomeRecorder {
  private queue: { outcome: Outcome; done: (ok: boolean) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly config: BillingConfig,
  ) {}

  /** Resolves true once committed, false when it could not be (the lane then stops its job). */
  record(outcome: Outcome): Promise<boolean> {
    return new Promise((done) => {
      this.queue.push({ outcome, done });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const o = batch.map((b) => b.outcome);
      const c = this.config;
      let ok = false;
      for (let attempt = 0; attempt < 3 && !ok; attempt++) {
        try {
          await this.pool.query({
            name: 'billing_record_emails',
            text: RECORD_EMAILS,
            values: [o.map((x) => x.seq), o.map((x) => x.sent), o.map((x) => x.permanent), o.map((x) => x.error), c.emailMaxAttempts, c.emailBackoffBaseMs, c.emailBackoffMaxMs],
          });
          ok = true;
        } catch (error) {
          log.warn('recording e-mail outcomes failed', { error: (error as Error).message, attempt });
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
      for (const b of batch) b.done(ok);
    }
    this.flushing = false;
  }
}

export class BillingProcessor {
  readonly stats: BillingStats = { boletos: 0, sent: 0, failed: 0 };
  private readonly stopSignal = new StopSignal();
  private loops: Promise<void>[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly lanes: SmtpLane[] = [];
  private readonly recorder: OutcomeRecorder;
  /**
   * Boletos first: while this worker's boleto loops find jobs, its e-mail lanes wait (an e-mail
   * needs its boleto anyway, and both compete for the same CPU and connections).
   */
  private boletosPending = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly config: BillingConfig,
  ) {
    for (let i = 0; i < config.smtpConnections; i++) this.lanes.push(new SmtpLane(config.smtpUrl!, config.emailTimeoutMs));
    this.recorder = new OutcomeRecorder(pool, config);
  }

  /** Resolves once the first claim answered (the schema is there). */
  async start(): Promise<void> {
    await this.pool.query({ name: 'billing_claim_jobs', text: CLAIM_JOBS, values: ['boletos', 0, this.config.jobLeaseMs] });
    this.loops = [
      ...Array.from({ length: BOLETO_LOOPS }, () => this.boletoLoop()),
      ...this.lanes.map((lane) => this.emailLane(lane)),
    ];
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  /** Stops claiming; each lane finishes (and records) the e-mail it is sending. */
  async stop(): Promise<void> {
    this.stopSignal.raise();
    clearInterval(this.sweepTimer);
    await Promise.all(this.loops);
    for (const lane of this.lanes) lane.close();
  }

  private async claim(kind: 'boletos' | 'emails', leaseMs: number): Promise<Job | undefined> {
    const { rows } = await this.pool.query<Job>({ name: 'billing_claim_jobs', text: CLAIM_JOBS, values: [kind, 1, leaseMs] });
    const job = rows[0];
    return job === undefined ? undefined : { id: Number(job.id), seq_from: Number(job.seq_from), seq_to: Number(job.seq_to), attempts: job.attempts };
  }

  private async boletoLoop(): Promise<void> {
    while (!this.stopSignal.stopped) {
      try {
        const job = await this.claim('boletos', this.config.jobLeaseMs);
        this.boletosPending = job !== undefined;
        if (job === undefined) {
          await this.stopSignal.sleep(this.config.pollMs);
          continue;
        }
        const { rows } = await this.pool.query<{ seq: string; amount_cents: number; due_date: string }>({ name: 'billing_debts_to_issue', text: DEBTS_TO_ISSUE, values: [job.seq_from, job.seq_to] });
        const seqs = new Array<string>(rows.length);
        const lines = new Array<string>(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          seqs[i] = row.seq;
          lines[i] = debtPaymentLine(Number(row.seq), Number(row.amount_cents), row.due_date);
        }
        const { rows: [result] } = await this.pool.query<{ issued: number }>({ name: 'billing_issue_boletos', text: ISSUE_BOLETOS, values: [job.id, job.attempts, seqs, lines, EMAIL_BATCH] });
        if (result!.issued > 0) this.stats.boletos += result!.issued;
      } catch (error) {
        // The job stays claimed until its lease ends, then any worker takes it again.
        log.warn('issuing boletos failed; retrying', { error: (error as Error).message });
        await this.stopSignal.sleep(1000);
      }
    }
  }

  private async emailLane(lane: SmtpLane): Promise<void> {
    while (!this.stopSignal.stopped) {
      if (this.boletosPending) {
        await this.stopSignal.sleep(this.config.pollMs);
        continue;
      }
      let job: Job | undefined;
      try {
        job = await this.claim('emails', this.config.jobLeaseMs);
      } catch (error) {
        log.warn('claiming e-mail jobs failed; retrying', { error: (error as Error).message });
        await this.stopSignal.sleep(1000);
        continue;
      }
      if (job === undefined) {
        await this.stopSignal.sleep(this.config.pollMs);
        continue;
      }
      try {
        await this.sendJob(job, lane);
      } catch (error) {
        log.warn('e-mail job failed; it is due again when its lease ends', { job: job.id, error: (error as Error).message });
        await this.stopSignal.sleep(1000);
      }
    }
  }

  private async sendJob(job: Job, lane: SmtpLane): Promise<void> {
    const { rows } = await this.pool.query<DebtToEmail>({ name: 'billing_debts_to_email', text: DEBTS_TO_EMAIL, values: [job.seq_from, job.seq_to] });
    let leaseExtendedAt = Date.now();
    for (const debt of rows) {
      if (this.stopSignal.stopped) return; // the rest is due again when the lease ends
      if (Date.now() - leaseExtendedAt > this.config.jobLeaseMs / 4) {
        const { rows: [lease] } = await this.pool.query<{ extended: boolean }>({ name: 'billing_extend_job_lease', text: EXTEND_JOB_LEASE, values: [job.id, job.attempts, this.config.jobLeaseMs] });
        if (!lease!.extended) return; // another worker holds it now
        leaseExtendedAt = Date.now();
      }
      const outcome = await this.send(debt, lane);
      if (!(await this.recorder.record(outcome))) throw new Error('the outcome of an e-mail could not be recorded');
      if (outcome.sent) this.stats.sent++;
      else this.stats.failed++;
    }
    await this.pool.query({ name: 'billing_finish_email_job', text: FINISH_EMAIL_JOB, values: [job.id, job.attempts] });
  }

  private async send(debt: DebtToEmail, lane: SmtpLane): Promise<Outcome> {
    try {
      const { envelope, raw } = emailOf(debt, this.config.emailFrom, new Date());
      await lane.send(envelope, raw);
      return { seq: Number(debt.seq), sent: true, permanent: false, error: '' };
    } catch (error) {
      const { responseCode, code, message } = error as SmtpError;
      const reason = responseCode !== undefined ? `SMTP ${responseCode}: ${message}` : (code ?? message);
      return { seq: Number(debt.seq), sent: false, permanent: responseCode !== undefined && responseCode >= 500, error: reason };
    }
  }

  private async sweep(): Promise<void> {
    try {
      await this.pool.query({ name: 'billing_remove_stale_uploads', text: REMOVE_STALE_UPLOADS, values: [STALE_UPLOAD_S] });
    } catch (error) {
      log.warn('removing stale uploads failed', { error: (error as Error).message });
    }
  }
}
