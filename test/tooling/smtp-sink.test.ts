// The local SMTP server (scripts/lib/smtp-sink.ts): every message it answers 250 is kept in an
// mbox file a mail reader opens, and read back byte for byte through its index.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import nodemailer from 'nodemailer';
import { readSinkIndex, readSinkMessage, SmtpSink } from '../../scripts/lib/smtp-sink.js';

const messageOf = (id: string, body: string) =>
  `From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\nMessage-ID: <${id}@test>\r\n\r\n${body}`;

async function sendAll(port: number, raws: string[]): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    for (const raw of raws) await transport.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw });
  } finally {
    transport.close();
  }
}

test('each accepted message is kept in an mbox file and read back exactly, "From " lines included', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'crebitos-sink-'));
  try {
    const raws = [
      messageOf('1', 'plain text\r\n'),
      messageOf('2', 'From here on\r\n>From quoted already\r\n.leading dot\r\n'),
      messageOf('3', 'no final newline'),
    ];
    const sink = new SmtpSink(dir);
    await sendAll(await sink.listen(), raws);
    await sink.close();

    const index = await readSinkIndex(dir);
    assert.deepEqual(index.map((e) => [e.n, e.messageId, e.to, e.file]), [
      [1, '<1@test>', 'b@example.com', '000000.mbox'],
      [2, '<2@test>', 'b@example.com', '000000.mbox'],
      [3, '<3@test>', 'b@example.com', '000000.mbox'],
    ]);
    // What an SMTP client sends without a final line break arrives with one (RFC 5321 DATA).
    const expected = [raws[0]!, raws[1]!, `${raws[2]!}\r\n`];
    for (const [i, entry] of index.entries()) assert.equal((await readSinkMessage(dir, entry)).toString('latin1'), expected[i]);

    const mbox = await readFile(path.join(dir, '000000.mbox'), 'latin1');
    const separators = mbox.split('\r\n').filter((line) => line.startsWith('From '));
    assert.equal(separators.length, 3, 'one "From " line per message, the body\'s quoted');
    assert.match(separators[0]!, /^From a@example\.com [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/);
    assert.match(mbox, /\r\n>From here on\r\n>>From quoted already\r\n/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a sink restarted on its folder goes on numbering and appending after what it kept', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'crebitos-sink-'));
  try {
    for (const id of ['1', '2']) {
      const sink = new SmtpSink(dir);
      await sendAll(await sink.listen(), [messageOf(id, `body ${id}\r\n`)]);
      await sink.close();
    }
    const index = await readSinkIndex(dir);
    assert.deepEqual(index.map((e) => e.n), [1, 2]);
    assert.equal((await readSinkMessage(dir, index[1]!)).toString('latin1'), messageOf('2', 'body 2\r\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
