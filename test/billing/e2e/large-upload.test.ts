// A large upload through nginx streams: nginx passes the body on as it arrives (the API reports
// progress while the client is still sending, chunked, with no Content-Length), the API's memory
// stays bounded, and a body over BILLING_UPLOAD_MAX_BYTES is refused with 413 without reading
// the rest, leaving nothing. The Rinha routes keep their 1 KiB cap.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { debtRow } from '../../../bench/billing-csv.js';
import { HEADER } from '../../helpers/billing.js';
import { rawRequest, statusOf } from '../../helpers/http.js';
import { rssBytes } from '../../helpers/proc.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const CAP = 24 * 1024 * 1024;
let env: TestStack;
before(async () => {
  env = await startTestStack('billing_large', { instances: 1, apiEnv: { BILLING_UPLOAD_MAX_BYTES: String(CAP) } });
});
after(async () => {
  await env?.stop();
});

/** A CSV of `rows` generated rows as a stream of ~64 KiB chunks, optionally slowed down. */
function csvStream(rows: number, pauseEveryChunks = 0, pauseMs = 0): ReadableStream<Uint8Array> {
  let i = 0;
  let chunks = 0;
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      if (i >= rows) return controller.close();
      let text = i === 0 ? `${HEADER}\n` : '';
      while (i < rows && text.length < 64 * 1024) text += `${debtRow(i++)}\n`;
      if (pauseEveryChunks > 0 && ++chunks % pauseEveryChunks === 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      controller.enqueue(encoder.encode(text));
    },
  });
}

test('a 20 MB file sent chunked is passed through by nginx as it arrives, imported whole, in bounded memory', async () => {
  const pid = env.stack.instances[0]!.pid!;
  const idle = await rssBytes(pid);
  let peak = idle;
  let sawProgress = false;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssBytes(pid));
      const { rows } = await env.db.pool.query("SELECT bytes_received::bigint AS b FROM billing_files WHERE status = 'receiving'");
      if (rows.some((r) => Number(r.b) > 0)) sawProgress = true;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  const rows = 190_000;
  const response = await fetch(`${env.url}/billings/csv/upload`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: csvStream(rows, 16, 100),
    duplex: 'half',
  } as RequestInit);
  sampling = false;
  await sampler;
  const text = await response.text();
  assert.equal(response.status, 201, text);
  const file = JSON.parse(text);
  assert.equal(file.imported, rows);
  assert.ok(file.bytesReceived > 20_000_000, `${file.bytesReceived} bytes`);
  assert.ok(sawProgress, 'the API received bytes while the client was still sending (nginx does not buffer the upload)');
  const grownMiB = (peak - idle) / 2 ** 20;
  assert.ok(grownMiB < 96, `the instance grew by ${grownMiB.toFixed(1)} MiB for a ${(file.bytesReceived / 2 ** 20).toFixed(1)} MiB file`);
});

test('a body over BILLING_UPLOAD_MAX_BYTES is 413, declared or streamed, and imports nothing', async () => {
  const before = (await env.db.pool.query('SELECT count(*)::int AS n FROM billing_files')).rows[0].n;
  const declared = await rawRequest(env.port, `POST /billings/csv/upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: ${CAP + 1}\r\n\r\n${HEADER}\n`, 5000);
  assert.equal(statusOf(declared), 413, declared.slice(0, 200));
  const streamed = await fetch(`${env.url}/billings/csv/upload`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csvStream(260_000), duplex: 'half' } as RequestInit).catch((error: Error) => error);
  if (!(streamed instanceof Error)) assert.equal(streamed.status, 413);
  const after = (await env.db.pool.query('SELECT count(*)::int AS n FROM billing_files')).rows[0].n;
  assert.equal(after, before);
});

test('the Rinha routes keep their 1 KiB body cap in nginx', async () => {
  const body = JSON.stringify({ valor: 1, tipo: 'c', descricao: 'x'.repeat(2000) });
  const raw = await rawRequest(env.port, `POST /clientes/1/transacoes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 5000);
  assert.equal(statusOf(raw), 413);
});
