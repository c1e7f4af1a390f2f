// After the upload, in the worker: a boleto per debt and an e-mail per boleto, received by the
// real local SMTP server (scripts/lib/smtp-sink.ts) with the payment line in the text and a
// Message-ID derived from the debt id; the file's counters move and it reaches "done". A worker
// killed mid-way resumes, and no e-mail is sent twice beyond the stated bound.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { readSinkIndex, readSinkMessage } from '../../../scripts/lib/smtp-sink.js';
import { formatPaymentLine } from '../../../src/billing/boleto.js';
import { csv, debt, uploadCsv } from '../../helpers/billing.js';
import { request } from '../../helpers/http.js';
import { waitUntil } from '../../helpers/load.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const CONNECTIONS = 4;
let env: TestStack;
before(async () => {
  env = await startTestStack('billing_processing', { workers: 1, smtpSink: true, apiEnv: { BILLING_POLL_MS: '50', BILLING_JOB_LEASE_MS: '3000', BILLING_EMAIL_TIMEOUT_MS: '1000', BILLING_SMTP_CONNECTIONS: String(CONNECTIONS) } });
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  await env?.stop();
});

const fileOf = async (id: string) => (await request(`${env.url}/billings/files/${id}`)).json;

test('each imported debt gets a boleto and one e-mail carrying its payment line, and the file becomes done', async () => {
  const debts = [debt({ name: 'Ana Souza', debtAmount: '1000000.00', debtDueDate: '2025-10-12' }), debt(), debt()];
  const uploaded = await uploadCsv(env.url, csv(debts));
  assert.equal(uploaded.status, 201, uploaded.text);
  await waitUntil('the file is done', async () => (await fileOf(uploaded.json.id)).status === 'done', 20_000);
  const file = await fileOf(uploaded.json.id);
  assert.deepEqual({ boletosIssued: file.boletosIssued, emailsSent: file.emailsSent, emailsFailed: file.emailsFailed, progress: file.progress }, { boletosIssued: 3, emailsSent: 3, emailsFailed: 0, progress: 1 });
  const { rows } = await env.db.pool.query('SELECT debt_id, state, payment_line FROM billing_debts WHERE file_id = $1', [uploaded.json.id]);
  assert.ok(rows.every((r) => r.state === 'email_sent' && /^[0-9]{47}$/.test(r.payment_line)));

  const index = await readSinkIndex(env.stack.mailDir!);
  const ana = rows.find((r) => r.debt_id === debts[0]!.debtId)!;
  const entries = index.filter((e) => e.messageId === `<${ana.debt_id}@billing.crebitos>`);
  assert.equal(entries.length, 1, 'exactly one message for the debt');
  const message = await simpleParser(await readSinkMessage(env.stack.mailDir!, entries[0]!));
  assert.equal(message.messageId, `<${ana.debt_id}@billing.crebitos>`);
  assert.equal(entries[0]!.to, debts[0]!.email);
  assert.ok(message.text!.includes(formatPaymentLine(ana.payment_line)), message.text);
  assert.match(message.text!, /Ana Souza/);
  assert.match(message.subject!, /1\.000\.000,00/);
});

test('a worker killed while sending resumes in a new one: every debt reaches email_sent, and repeats stay within one per SMTP connection', async () => {
  const debts = Array.from({ length: 600 }, () => debt());
  const uploaded = await uploadCsv(env.url, csv(debts));
  assert.equal(uploaded.status, 201, uploaded.text);
  await waitUntil('some e-mails are sent', async () => (await fileOf(uploaded.json.id)).emailsSent >= 50, 30_000, 5);
  await env.stack.workers[0]!.stop('SIGKILL');
  const atKill = (await fileOf(uploaded.json.id)).emailsSent;
  assert.ok(atKill < 600, 'killed before the end');
  await env.stack.addWorker();
  await waitUntil('the file is done', async () => (await fileOf(uploaded.json.id)).status === 'done', 120_000, 100);
  const file = await fileOf(uploaded.json.id);
  assert.equal(file.emailsSent, 600);
  const ids = new Set(debts.map((d) => `<${d.debtId}@billing.crebitos>`));
  const received = (await readSinkIndex(env.stack.mailDir!)).filter((e) => ids.has(e.messageId));
  const perId = new Map<string, number>();
  for (const e of received) perId.set(e.messageId, (perId.get(e.messageId) ?? 0) + 1);
  assert.equal(perId.size, 600, 'every debt got its e-mail');
  const repeats = [...perId.values()].filter((n) => n > 1).length;
  assert.ok(repeats <= CONNECTIONS, `${repeats} e-mails repeated, more than one per SMTP connection (${CONNECTIONS})`);
  assert.ok([...perId.values()].every((n) => n <= 2));
});
