// One e-mail lane's SMTP connection: nodemailer's SMTPConnection (the layer under its transports:
// handshake, STARTTLS when offered, AUTH, PIPELINING of the envelope and DATA), kept open between
// messages and opened again after a failure, on the next send.
//
// Why not nodemailer's pooled transport: for every message, even a raw one, it builds a
// MailMessage, a MimeNode and a message stream, and queues it through the pool: ~110 us more CPU
// per message than SMTPConnection.send of the same string (measured side by side, 10,000 messages
// over 16 connections), which was a third of the worker's CPU per e-mail. A lane sends one
// message at a time anyway (the exactly-once bound, processor.ts), so the pool's queue adds
// nothing.
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

export interface Envelope {
  from: string;
  to: string[];
}

/** An SMTP error as nodemailer reports it: a code (EENVELOPE, EMESSAGE, ECONNECTION, ...) and the server's reply code. */
export type SmtpError = Error & { code?: string; responseCode?: number };

export class SmtpLane {
  private connection: SMTPConnection | undefined;
  private readonly options: SMTPConnection.Options;
  private readonly auth: { user: string; pass: string } | undefined;

  /** url: smtp:// or smtps://, with user:password when the server wants AUTH (config.ts checked it). */
  constructor(url: string, timeoutMs: number) {
    const { auth, ...parsed } = parseConnectionUrl(url);
    this.auth = auth;
    this.options = { ...(parsed as SMTPConnection.Options), connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs, logger: false };
  }

  /** Resolves once the server accepted the message (250 after its data); rejects with its SmtpError otherwise. */
  async send(envelope: Envelope, raw: string): Promise<void> {
    const connection = this.connection ?? (await this.open());
    try {
      await new Promise<void>((resolve, reject) => connection.send(envelope, raw, (error) => (error ? reject(error) : resolve())));
    } catch (error) {
      const { code, responseCode } = error as SmtpError;
      // A refusal of this message (a 4xx/5xx reply to its envelope or data) leaves the session
      // usable once reset; anything else (a socket error, a timeout, 421) ends it.
      if ((code === 'EENVELOPE' || code === 'EMESSAGE') && responseCode !== 421 && this.connection === connection) {
        await new Promise<void>((resolve) => connection.reset((resetError) => {
          if (resetError) this.drop(connection);
          resolve();
        }));
      } else {
        this.drop(connection);
      }
      throw error;
    }
  }

  /** Ends the session (QUIT) when one is open. */
  close(): void {
    const connection = this.connection;
    this.connection = undefined;
    connection?.quit();
  }

  private async open(): Promise<SMTPConnection> {
    const connection = new SMTPConnection(this.options);
    // After the handshake an error is also handed to the send in flight; a server that closes an
    // idle session ('end') is noticed before the next send, which then opens a new one.
    const failed = new Promise<never>((_, reject) => connection.on('error', (error: Error) => {
      this.drop(connection);
      reject(error);
    }));
    failed.catch(() => {});
    connection.once('end', () => this.drop(connection));
    const opened = new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
    try {
      await Promise.race([opened, failed]);
      if (this.auth && connection.allowsAuth) {
        await Promise.race([new Promise<void>((resolve, reject) => connection.login(this.auth, (error) => (error ? reject(error) : resolve()))), failed]);
      }
    } catch (error) {
      connection.close();
      throw error;
    }
    this.connection = connection;
    return connection;
  }

  private drop(connection: SMTPConnection): void {
    if (this.connection === connection) this.connection = undefined;
    connection.close();
  }
}
