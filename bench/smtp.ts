// `npm run bench:smtp`: the e-mail phase's SMTP leg alone, no database: the local SMTP server
// (scripts/lib/smtp-sink.ts, its own process, as `npm start` runs it) receiving --messages raw
// messages of the billing e-mail's size over --connections connections, one message in flight per
// connection, sent by the worker's client (src/billing/smtp-lane.ts, `--client lane`) or by
// nodemailer's pooled transport (`--client pool`, what the worker used before e72b82b). Prints
// the CPU time per message of the SMTP server and of this process (the client), which a busy host
// changes far less than the rate. `--sink-main` runs another build's sink for an A/B.
// Usage: npm run bench:smtp [-- --messages 10000 --connections 16 --client lane|pool --sink-main dist/scripts/lib/smtp-sink.js]
// Bounded: --messages at most 200,000; a watchdog stops the run after 5 minutes.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { integerFlag, optionsOrExit, parseFlags } from '../kit/cli.js';
import { processCpuTicks, USER_HZ } from '../kit/proc-stat.js';
import { textTable } from '../kit/table.js';
import { freePort } from '../scripts/lib/ports.js';
import { SMTP_SINK_MAIN } from '../scripts/lib/stack.js';
import { SmtpLane } from '../src/billing/smtp-lane.js';
import { formatMeta, runMeta } from './run-meta.js';

const HELP = 'Usage: npm run bench:smtp [-- --messages 10000 --connections 16 --client lane|pool --sink-main dist/scripts/lib/smtp-sink.js]\n';
const flags = optionsOrExit(() => {
  const values = parseFlags(process.argv.slice(2), {
    messages: { type: 'string' },
    connections: { type: 'string' },
    client: { type: 'string' },
    'sink-main': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const client = values.client ?? 'lane';
  if (client !== 'lane' && client !== 'pool') throw new Error(`--client must be lane or pool, got "${client}"`);
  return {
    messages: integerFlag('messages', values.messages, 10_000, { min: 100, max: 200_000 }),
    connections: integerFlag('connections', values.connections, 16, { min: 1, max: 256 }),
    client: client as 'lane' | 'pool',
    sinkMain: values['sink-main'] ? path.resolve(values['sink-main']) : path.resolve(SMTP_SINK_MAIN.pathname),
    help: values.help ?? false,
  };
}, HELP);

const FROM = 'cobranca@crebitos.local';
// The size of a billing e-mail (~1 KiB, base64 body), each with its own Message-ID.
const BODY = Buffer.from('x'.repeat(560)).toString('base64').replace(/.{76}(?=.)/g, '$&\r\n');
const messageOf = (n: number) =>
  `From: ${FROM}\r\nTo: debtor${n}@example.com\r\nSubject: Boleto ${n}\r\nMessage-ID: <${n}@bench.crebitos>\r\nMIME-Version: 1.0\r\n` +
  `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${BODY}\r\n`;

async function startSink(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [flags.sinkMain, dir, String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the SMTP server exited with code ${code}`)));
    child.on('message', (message: { ready?: boolean }) => message?.ready && resolve());
  });
  child.channel?.unref();
  return child;
}

/** One sender per connection: send(n) resolves once the server accepted message n. */
function sendersOf(url: string): { send: (n: number) => Promise<unknown>; close: () => void }[] {
  if (flags.client === 'lane') {
    return Array.from({ length: flags.connections }, () => {
      const lane = new SmtpLane(url, 10_000);
      return { send: (n: number) => lane.send({ from: FROM, to: [`debtor${n}@example.com`] }, messageOf(n)), close: () => lane.close() };
    });
  }
  const pool = nodemailer.createTransport({ url, pool: true, maxConnections: flags.connections, maxMessages: Infinity } as never);
  return Array.from({ length: flags.connections }, (_, i) => ({
    send: (n: number) => pool.sendMail({ envelope: { from: FROM, to: [`debtor${n}@example.com`] }, raw: messageOf(n) }),
    close: () => i === 0 && pool.close(),
  }));
}

async function main(): Promise<void> {
  const meta = runMeta();
  const watchdog = setTimeout(() => {
    process.stderr.write('[bench:smtp] watchdog: the run took too long, stopping\n');
    process.exit(3);
  }, 5 * 60_000);
  watchdog.unref();
  const dir = await mkdtemp(path.join(tmpdir(), 'crebitos-bench-smtp-'));
  const port = await freePort();
  const sink = await startSink(path.join(dir, 'mail'), port);
  const senders = sendersOf(`smtp://127.0.0.1:${port}`);
  try {
    // Warm-up: every connection open, the code paths compiled.
    let next = -Math.min(2000, flags.messages);
    await Promise.all(senders.map(async (s) => { while (next < 0) await s.send(next++); }));
    const sinkBefore = await processCpuTicks(sink.pid!);
    const clientBefore = process.cpuUsage();
    const startedAt = performance.now();
    await Promise.all(senders.map(async (s) => { while (next < flags.messages) await s.send(next++); }));
    const seconds = (performance.now() - startedAt) / 1000;
    const sinkUs = (((await processCpuTicks(sink.pid!)) - sinkBefore) * 1_000_000) / USER_HZ / flags.messages;
    const client = process.cpuUsage(clientBefore);
    const clientUs = (client.user + client.system) / flags.messages;
    process.stdout.write(`${formatMeta(meta, 'none (two local processes, no cgroup limits)')}\n`);
    process.stdout.write(`SMTP server: ${flags.sinkMain}; client: ${flags.client}; ${flags.connections} connections, one message in flight each\n\n`);
    process.stdout.write(`${textTable(['measure', 'value'], [
      ['messages accepted per second', `${Math.round(flags.messages / seconds)}/s`],
      ['SMTP server CPU per message (user + system)', `${sinkUs.toFixed(0)} us`],
      ['client CPU per message (user + system)', `${clientUs.toFixed(0)} us`],
    ], { align: ['left', 'right'] })}\n`);
  } finally {
    for (const s of senders) s.close();
    sink.kill('SIGTERM');
    await new Promise((resolve) => sink.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:smtp] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
