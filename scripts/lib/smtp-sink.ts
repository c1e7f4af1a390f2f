// The local SMTP server `npm start` runs when SMTP_URL is not set (smtp-server, loopback only):
// it accepts every message and keeps it in an mbox file under its folder, so a user sees the real
// e-mails the worker sent (`mutt -f <dir>/000000.mbox`, or any mail reader that opens mbox). A
// message is answered 250 only once it is written (handed to the kernel, as a file write was).
//   <dir>/<NNNNNN>.mbox        the messages, 10,000 per file, in the mboxrd format: each after a
//                              "From <sender> <date>" line, its lines starting with ">*From "
//                              quoted with one more ">", a blank line after it
//   <dir>/index.tsv            one line per message: n, Message-ID, recipients, file, offset and
//                              length of the (quoted) message in the file
// Appended, not one .eml file per message: creating a file cost the kernel 100-550 us per message
// on the shared host (measured: bench:billing's SMTP server CPU per e-mail), the largest single
// cost of the e-mail phase; an append costs ~30 us. Tests and the benchmark read the index
// (readSinkIndex) and a message by its entry (readSinkMessage). Standalone:
//   node dist/scripts/lib/smtp-sink.js <dir> [port]
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';

/** Largest message accepted (a debtor's e-mail is ~1 KiB). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
const PER_FILE = 10_000;
const CRLF = Buffer.from('\r\n');

export interface SinkEntry {
  n: number;
  messageId: string;
  to: string;
  file: string;
  offset: number;
  length: number;
}

export class SmtpSink {
  private readonly server: SMTPServer;
  private index: WriteStream | undefined;
  private received = 0;
  /** The mbox file being appended to, and how many bytes it holds (the next message's offset). */
  private mbox: { name: string; stream: WriteStream; bytes: number } | undefined;

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
          const message = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const to = session.envelope.rcptTo.map((r) => r.address).join(',');
          this.store(message, from, to, (error) => (error ? callback(Object.assign(error, { responseCode: 451 })) : callback()));
        });
      },
    });
    this.server.on('error', (error) => process.stderr.write(`smtp sink: ${error.message}\n`));
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    this.index = createWriteStream(path.join(this.dir, 'index.tsv'), { flags: 'a' });
    // A sink restarted on the same folder goes on counting where it stopped.
    this.received = (await readSinkIndex(this.dir)).length;
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    const end = (stream: WriteStream | undefined) => new Promise<void>((resolve) => (stream ? stream.end(() => resolve()) : resolve()));
    await end(this.mbox?.stream);
    await end(this.index);
  }

  /** Appends the message to the current mbox file; calls back once the kernel has it. */
  private store(message: Buffer, from: string, to: string, done: (error?: Error | null) => void): void {
    const n = ++this.received;
    const name = `${String(Math.floor(n / PER_FILE)).padStart(6, '0')}.mbox`;
    if (this.mbox?.name !== name) {
      this.mbox?.stream.end();
      const file = path.join(this.dir, name);
      const stream = createWriteStream(file, { flags: 'a' });
      stream.on('error', (error) => process.stderr.write(`smtp sink: ${name}: ${error.message}\n`));
      // Once per file: a sink restarted on its folder appends after what the file holds.
      this.mbox = { name, stream, bytes: statSync(file, { throwIfNoEntry: false })?.size ?? 0 };
    }
    const mbox = this.mbox;
    const separator = Buffer.from(`From ${from || 'MAILER-DAEMON'} ${asctime(new Date())}\r\n`, 'latin1');
    const quoted = quoteFromLines(message);
    const ending = quoted.length > 0 && quoted[quoted.length - 1] === 0x0a ? CRLF : Buffer.from('\r\n\r\n');
    const offset = mbox.bytes + separator.length;
    mbox.bytes = offset + quoted.length + ending.length;
    mbox.stream.write(separator);
    mbox.stream.write(quoted);
    mbox.stream.write(ending, (error) => {
      if (error) return done(error);
      this.index!.write(`${n}\t${messageIdOf(message)}\t${to}\t${name}\t${offset}\t${quoted.length}\n`);
      done();
    });
  }
}

/** mboxrd: a line starting with ">*From " gets one more ">" (undone by readSinkMessage). */
function quoteFromLines(message: Buffer): Buffer {
  if (message.indexOf('From ') === -1) return message; // the common case: nothing to quote
  return Buffer.from(message.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1');
}

/** The date of an mbox "From " line, as C's asctime() writes it: "Wed Dec  2 07:39:08 2026". */
function asctime(date: Date): string {
  const [day, , month, year, time] = date.toUTCString().split(' '); // "Wed, 02 Dec 2026 07:39:08 GMT"
  return `${day!.slice(0, 3)} ${month} ${String(date.getUTCDate()).padStart(2, ' ')} ${time} ${year}`;
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
    const [n, messageId, to, file, offset, length] = line.split('\t');
    return { n: Number(n), messageId: messageId!, to: to!, file: file!, offset: Number(offset), length: Number(length) };
  });
}

/** One message the sink in `dir` kept, exactly as it was received. */
export async function readSinkMessage(dir: string, entry: SinkEntry): Promise<Buffer> {
  const file = await open(path.join(dir, entry.file), 'r');
  try {
    const quoted = Buffer.alloc(entry.length);
    await file.read(quoted, 0, entry.length, entry.offset);
    return quoted.indexOf('From ') === -1 ? quoted : Buffer.from(quoted.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');
  } finally {
    await file.close();
  }
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
