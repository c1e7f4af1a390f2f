// An e-mail lane's SMTP connection (src/billing/smtp-lane.ts) against a real smtp-server: it keeps
// one session for its messages, survives a refusal, and opens a new session after losing one.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { SmtpLane, type SmtpError } from '../../../src/billing/smtp-lane.js';

const received: { to: string; session: string; text: string }[] = [];
let sessions = 0;
let server: SMTPServer;
let url: string;
before(async () => {
  server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onConnect: (_session, callback) => {
      sessions++;
      callback();
    },
    onRcptTo: (address, _session, callback) =>
      address.address.startsWith('refused') ? callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 })) : callback(),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo[0]!.address, session: session.id, text: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const raw = (n: number) => `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${n}\r\nMessage-ID: <${n}@test>\r\n\r\nbody ${n}\r\n`;

test('a lane sends its messages over one session, and a refused recipient rejects with the reply code while the session goes on', async () => {
  const lane = new SmtpLane(url, 2000);
  const before = { sessions, received: received.length };
  await lane.send({ from: 'a@example.com', to: ['b1@example.com'] }, raw(1));
  await assert.rejects(lane.send({ from: 'a@example.com', to: ['refused@example.com'] }, raw(2)), (error: SmtpError) => {
    assert.equal(error.responseCode, 550);
    assert.equal(error.code, 'EENVELOPE');
    return true;
  });
  await lane.send({ from: 'a@example.com', to: ['b3@example.com'] }, raw(3));
  lane.close();
  const mine = received.slice(before.received);
  assert.deepEqual(mine.map((m) => m.to), ['b1@example.com', 'b3@example.com']);
  assert.equal(sessions - before.sessions, 1, 'one session for all three');
  assert.equal(new Set(mine.map((m) => m.session)).size, 1);
  assert.match(mine[1]!.text, /body 3/);
});

test('a lane whose session the server closed opens a new one for its next message', async () => {
  const lane = new SmtpLane(url, 2000);
  const before = { sessions, received: received.length };
  await lane.send({ from: 'a@example.com', to: ['c1@example.com'] }, raw(4));
  // The server ends every session (as one does after its idle timeout).
  for (const connection of (server as unknown as { connections: Set<{ close(): void }> }).connections) connection.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await lane.send({ from: 'a@example.com', to: ['c2@example.com'] }, raw(5));
  lane.close();
  assert.deepEqual(received.slice(before.received).map((m) => m.to), ['c1@example.com', 'c2@example.com']);
  assert.equal(sessions - before.sessions, 2);
});

test('a lane with no server to reach rejects with a connection error, without throwing elsewhere', async () => {
  const lane = new SmtpLane('smtp://127.0.0.1:1', 1000);
  await assert.rejects(lane.send({ from: 'a@example.com', to: ['d@example.com'] }, raw(6)), (error: SmtpError) => {
    assert.ok(['ECONNECTION', 'ESOCKET'].includes(error.code!), String(error.code));
    return true;
  });
  lane.close();
});

test('a lane logs in with the user and password of its URL when the server asks for AUTH', async () => {
  const logins: string[] = [];
  const authServer = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _session, callback) => {
      logins.push(`${auth.username}:${auth.password}`);
      return auth.username === 'billing' && auth.password === 's3cret' ? callback(null, { user: auth.username }) : callback(new Error('bad credentials'));
    },
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => authServer.listen(0, '127.0.0.1', () => resolve()));
  try {
    const port = (authServer.server.address() as AddressInfo).port;
    const lane = new SmtpLane(`smtp://billing:s3cret@127.0.0.1:${port}`, 2000);
    await lane.send({ from: 'a@example.com', to: ['e@example.com'] }, raw(7));
    lane.close();
    const wrong = new SmtpLane(`smtp://billing:wrong@127.0.0.1:${port}`, 2000);
    await assert.rejects(wrong.send({ from: 'a@example.com', to: ['e@example.com'] }, raw(8)), (error: SmtpError) => error.code === 'EAUTH');
    wrong.close();
    assert.deepEqual(logins, ['billing:s3cret', 'billing:wrong']);
  } finally {
    await new Promise<void>((resolve) => authServer.close(() => resolve()));
  }
});
