// The local SMTP server `npm start` runs when SMTP_URL is not set (smtp-server, loopback only):
// it accepts every message and keeps it as an .eml file under its folder, so a user sees the
// real e-mails the worker sent. A message is answered 250 only once its file is written.
//   <dir>/<NNNNNN>/<n>.eml     the messages, 10,000 per sub-folder
//   <dir>/index.tsv            one line per message: n, Message-ID, recipients, file
// Tests and the benchmark read the index (readSinkIndex). Standalone:
//   node dist/scripts/lib/smtp-sink.js <dir> [port]
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';

/** Largest message accepted (a debtor's e-mail is ~1 KiB). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
const PER_FOLDER = 10_000;

export interface SinkEntry {
  n: number;
  messageId: string;
  to: string;
  file: string;
}

export class SmtpSink {
  private readonly server: SMTPServer;
  private index: WriteStream | undefined;
  private received = 0;
  private readonly folders = new Set<string>();

  constructor(readonly dir: string) {
    this.server = new SMTPServer({
      // Loopback only: no TLS, no authentication (any credentials of SMTP_URL are accepted).
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      onAuth: (_auth, _session, callback) => callback(null, { user: 'any' }),
      size: MAX_MESSAGE_BYTES,
      logger: false,
      banner: 'crebitos local SMTP sink',
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            return callback(Object.assign(new Error('message too large'), { responseCode: 552 }));
          }
          const message = Buffer.concat(chunks);
          const to = session.envelope.rcptTo.map((r) => r.address).join(',');
          this.store(message, to).then(() => callback(), (error: Error) => callback(Object.assign(error, { responseCode: 451 })));
        });
      },
    });
    this.server.on('error', (error) => process.stderr.write(`smtp sink: ${error.message}\n`));
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    this.index = createWriteStream(path.join(this.dir, 'index.tsv'), { flags: 'a' });
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => (this.index ? this.index.end(() => resolve()) : resolve()));
  }

  private async store(message: Buffer, to: string): Promise<void> {
    const n = ++this.received;
    const folder = String(Math.floor(n / PER_FOLDER)).padStart(6, '0');
    if (!this.folders.has(folder)) {
      await mkdir(path.join(this.dir, folder), { recursive: true });
      this.folders.add(folder);
    }
    const file = `${folder}/${n}.eml`;
    await writeFile(path.join(this.dir, file), message);
    this.index!.write(`${n}\t${messageIdOf(message)}\t${to}\t${file}\n`);
  }
}

/** The Message-ID header of a raw message (its header block only), or '' when it has none. */
export function messageIdOf(message: Buffer): string {
  const end = message.indexOf('\r\n\r\n');
  const head = message.subarray(0, end === -1 ? Math.min(message.length, 16384) : end).toString('latin1');
  return /^message-id:\s*(\S+)/im.exec(head)?.[1] ?? '';
}

/** What the sink in `dir` received so far, in order. */
export async function readSinkIndex(dir: string): Promise<SinkEntry[]> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'index.tsv'), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((line) => line !== '').map((line) => {
    const [n, messageId, to, file] = line.split('\t');
    return { n: Number(n), messageId: messageId!, to: to!, file: file! };
  });
}

// Run standalone: report readiness (and the port) over IPC to a supervisor (scripts/lib/stack.ts).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node dist/scripts/lib/smtp-sink.js <dir> [port]\n');
    process.exit(2);
  }
  const sink = new SmtpSink(path.resolve(dir));
  const port = await sink.listen(Number(process.argv[3] ?? 0));
  process.stderr.write(`local SMTP server on smtp://127.0.0.1:${port}, keeping messages in ${path.resolve(dir)}\n`);
  if (process.send) {
    process.send({ ready: true, port });
    process.channel?.unref();
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void sink.close().then(() => process.exit(0)));
}
