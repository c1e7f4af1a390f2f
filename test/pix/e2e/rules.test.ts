// Every rule of spec part E (the Pix message streams), each test named after it, through nginx
// and on each instance of the real topology. Every answer read through helpers/http.ts is
// checked against the served OpenAPI document (multipart/json arrays included).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from '../../helpers/http.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { closeStream, freshIspb, generate, generateOrFail, pullPath, startStream } from '../../helpers/pix.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let env: TestStack;
let contract: OpenApiContract;
before(async () => {
  env = await startTestStack('pix_rules');
  contract = await OpenApiContract.fetch(env.url);
  installContract(contract);
});
after(async () => {
  await env?.stop();
});

const instanceUrl = (i: number) => `http://127.0.0.1:${env.stack.instances[i]!.port}`;
const WAIT_MS = 8000;

async function countMessages(ispb: string, where = 'true'): Promise<number> {
  const { rows } = await env.db.pool.query(`SELECT count(*)::int AS n FROM pix_messages WHERE ispb = $1 AND ${where}`, [ispb]);
  return rows[0].n;
}

test('POST /api/util/msgs/{ispb}/{number} creates that many messages for the receiver and answers 201', async () => {
  const ispb = freshIspb();
  for (const count of [1, 37, 10_000]) {
    const before = await countMessages(ispb);
    const response = await generate(env.url, ispb, count);
    assert.equal(response.status, 201, response.text);
    assert.deepEqual(response.json, { criadas: count });
    assert.equal(await countMessages(ispb), before + count);
  }
});

test('the generator refuses a number outside 1..10,000 and an ISPB that is not 8 digits with 400, creating nothing', async () => {
  const ispb = freshIspb();
  for (const number of ['0', '10001', '-1', '1.5', 'abc', '01', '99999999999']) {
    const response = await request(`${env.url}/api/util/msgs/${ispb}/${number}`, { method: 'POST' });
    assert.equal(response.status, 400, `number ${number}: ${response.text}`);
  }
  for (const bad of ['1234567', '123456789', 'abcdefgh', '1234567a']) {
    assert.equal((await generate(env.url, bad, 1)).status, 400, `ispb ${bad}`);
  }
  assert.equal(await countMessages(ispb), 0);
});

test('a message has the shape of part E: a 32-character endToEndId, valor with two decimals, pagador and recebedor, campoLivre, txId, dataHoraPagamento in UTC with milliseconds', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 10);
  const answer = await startStream(env.url, ispb, 'multipart');
  assert.equal(answer.status, 200);
  assert.equal(answer.messages.length, 10);
  // valor is written with exactly two decimals in the JSON text itself (100.00, not 100).
  assert.equal(answer.text.match(/"valor":\d+\.\d{2}[,}]/g)?.length, 10, answer.text.slice(0, 300));
  const minute = new Date().toISOString().replace(/[-T:]/g, '').slice(0, 12);
  for (const message of answer.messages) {
    assert.deepEqual(Object.keys(message), ['endToEndId', 'valor', 'pagador', 'recebedor', 'campoLivre', 'txId', 'dataHoraPagamento']);
    assert.equal(message.endToEndId.length, 32);
    assert.match(message.endToEndId, /^E\d{8}\d{12}[0-9A-Za-z]{11}$/);
    assert.equal(message.endToEndId.slice(1, 9), message.pagador.ispb, 'the payer\'s ISPB follows the E');
    assert.ok(Math.abs(Number(message.endToEndId.slice(9, 21)) - Number(minute)) <= 1 || message.endToEndId.slice(9, 21) <= minute, 'yyyyMMddHHmm of now');
    assert.equal(message.recebedor.ispb, ispb, 'addressed to the ISPB of the path');
    for (const party of [message.pagador, message.recebedor]) {
      assert.deepEqual(Object.keys(party).sort(), ['agencia', 'contaTransacional', 'cpfCnpj', 'ispb', 'nome', 'tipoConta']);
      assert.ok(['CACC', 'SVGS'].includes(party.tipoConta!));
    }
    assert.equal(typeof message.valor, 'number');
    assert.equal(typeof message.campoLivre, 'string');
    assert.equal(typeof message.txId, 'string');
    assert.match(message.dataHoraPagamento, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(message.dataHoraPagamento) - Date.now()) < 60_000);
  }
  assert.equal((await closeStream(env.url, answer.pullNext)).status, 200);
});

test('Accept: application/json (or no Accept) answers one message as an object; Accept: multipart/json up to 10 as an array', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 17);
  for (const mode of ['json', 'none'] as const) {
    const answer = await startStream(env.url, ispb, mode);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'application/json');
    assert.ok(!Array.isArray(answer.json) && typeof answer.json === 'object', `an object for ${mode}: ${answer.text.slice(0, 80)}`);
    const next = await pullPath(env.url, answer.pullNext, mode);
    assert.ok(!Array.isArray(next.json));
    assert.equal((await closeStream(env.url, next.pullNext)).status, 200);
  }
  const answer = await startStream(env.url, ispb, 'multipart');
  assert.equal(answer.headers.get('content-type'), 'multipart/json');
  assert.ok(Array.isArray(answer.json));
  assert.equal(answer.messages.length, 10, 'up to 10');
  const rest = await pullPath(env.url, answer.pullNext, 'multipart');
  assert.ok(Array.isArray(rest.json));
  assert.equal(rest.messages.length, 17 - 4 - 10, 'the rest, still as an array');
  assert.equal((await closeStream(env.url, rest.pullNext)).status, 200);
});

test('every 200 and every 204 carries Pull-Next, the path of the next pull of the same stream', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 1);
  const first = await startStream(env.url, ispb, 'json');
  assert.equal(first.status, 200);
  assert.match(first.pullNext, new RegExp(`^/api/pix/${ispb}/stream/\\d+-1$`));
  assert.equal(contract.templateOf(first.pullNext), '/api/pix/{ispb}/stream/{interationId}');
  const [stream] = first.pullNext.split('/').pop()!.split('-');
  const started = Date.now();
  const empty = await pullPath(env.url, first.pullNext, 'json');
  assert.equal(empty.status, 204);
  assert.ok(Date.now() - started >= WAIT_MS - 100, 'after the wait');
  assert.match(empty.pullNext, new RegExp(`^/api/pix/${ispb}/stream/${stream}-2$`));
  assert.equal((await closeStream(env.url, empty.pullNext)).status, 200);
});

test('a pull with nothing to deliver waits 8 s then answers 204, and neither nginx nor the uWS idle timeout cuts it (through nginx and straight at each instance)', async () => {
  const targets = [env.url, instanceUrl(0), instanceUrl(1)];
  const ispbs = targets.map(() => freshIspb());
  const answers = await Promise.all(
    targets.map(async (base, i) => {
      const started = Date.now();
      const answer = await startStream(base, ispbs[i]!, 'multipart');
      return { base, status: answer.status, ms: Date.now() - started, pullNext: answer.pullNext, text: answer.text };
    }),
  );
  for (const answer of answers) {
    assert.equal(answer.status, 204, `${answer.base}: ${answer.status} ${answer.text}`);
    assert.ok(answer.ms >= WAIT_MS - 50 && answer.ms < WAIT_MS + 1500, `${answer.base} answered after ${answer.ms} ms`);
    assert.ok(answer.pullNext !== '');
  }
  // A second wait on the same connections (keep-alive after a long poll) is served too.
  const again = await Promise.all(answers.map((a) => closeStream(a.base, a.pullNext)));
  assert.ok(again.every((r) => r.status === 200));
  console.log(`204 after ${answers.map((a) => `${a.ms} ms`).join(', ')} (nginx, api01, api02)`);
});

test('a waiting pull on api02 answers as soon as a message for its ISPB is committed through api01 (pushed, not polled)', async () => {
  const figures: number[] = [];
  for (let trial = 0; trial < 5; trial++) {
    const ispb = freshIspb();
    const waiting = startStream(instanceUrl(1), ispb, 'json').then((answer) => ({ answer, at: performance.now() }));
    // Let the pull's first claim come back empty and the pull wait.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sentAt = performance.now();
    const created = await generate(instanceUrl(0), ispb, 1);
    const createdAt = performance.now();
    assert.equal(created.status, 201);
    const { answer, at } = await waiting;
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.messages[0]!.recebedor.ispb, ispb);
    figures.push(at - sentAt);
    assert.ok(at - createdAt < 50, `answered ${(at - createdAt).toFixed(1)} ms after the 201`);
    assert.equal((await closeStream(instanceUrl(1), answer.pullNext)).status, 200);
  }
  figures.sort((a, b) => a - b);
  console.log(`cross-instance wake-up, POST sent -> pull answered: ${figures.map((ms) => ms.toFixed(1)).join(', ')} ms`);
  assert.ok(figures[2]! < 50, `median ${figures[2]!.toFixed(1)} ms`);
});

test('a pull acknowledges what the previous pull of the same stream received, never what is only sent', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 15);
  const first = await startStream(env.url, ispb, 'multipart');
  assert.equal(first.messages.length, 10);
  assert.equal(await countMessages(ispb, 'acked_at IS NOT NULL'), 0, 'sent is not acknowledged');
  assert.equal(await countMessages(ispb, 'stream_id IS NOT NULL AND acked_at IS NULL'), 10, 'received by the stream');
  const second = await pullPath(env.url, first.pullNext, 'multipart');
  assert.equal(second.messages.length, 5);
  assert.equal(await countMessages(ispb, 'acked_at IS NOT NULL'), 10, 'the first pull\'s ten are acknowledged by the second');
  const ids = new Set([...first.messages, ...second.messages].map((m) => m.endToEndId));
  assert.equal(ids.size, 15, 'no message twice');
  assert.equal((await closeStream(env.url, second.pullNext)).status, 200);
  assert.equal(await countMessages(ispb, 'acked_at IS NOT NULL'), 15);
});

test('pulling again with the same interationId (the answer was lost) gives the lost answer\'s messages back, and acknowledges nothing new', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 3);
  const first = await startStream(env.url, ispb, 'json');
  const lost = await pullPath(env.url, first.pullNext, 'json');
  assert.equal(lost.status, 200);
  const retried = await pullPath(env.url, first.pullNext, 'json');
  assert.equal(retried.status, 200);
  assert.equal(retried.messages[0]!.endToEndId, lost.messages[0]!.endToEndId, 'the unreceived message comes again');
  assert.equal(retried.pullNext, lost.pullNext);
  assert.equal(await countMessages(ispb, 'acked_at IS NOT NULL'), 1);
  assert.equal((await closeStream(env.url, retried.pullNext)).status, 200);
});

test('DELETE acknowledges what the stream received and closes it with 200 {}; its id is 404 afterwards', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 4);
  const answer = await startStream(env.url, ispb, 'multipart');
  assert.equal(answer.messages.length, 4);
  const closed = await closeStream(env.url, answer.pullNext);
  assert.equal(closed.status, 200);
  assert.equal(closed.text, '{}');
  assert.equal(await countMessages(ispb, 'acked_at IS NOT NULL'), 4);
  assert.equal((await pullPath(env.url, answer.pullNext)).status, 404);
  assert.equal((await closeStream(env.url, answer.pullNext)).status, 404);
});

test('at most 6 open streams per ISPB: of 20 starts that race, exactly 6 open and 14 get 429; a closed stream frees its slot', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 20); // so that every opened stream answers at once
  const starts = await Promise.all(Array.from({ length: 20 }, (_, i) => startStream(i % 2 === 0 ? instanceUrl(0) : instanceUrl(1), ispb, 'json')));
  const opened = starts.filter((s) => s.status === 200);
  assert.equal(opened.length, 6, JSON.stringify(starts.map((s) => s.status)));
  assert.equal(starts.filter((s) => s.status === 429).length, 14);
  const { rows } = await env.db.pool.query('SELECT count(*)::int AS n FROM pix_streams WHERE ispb = $1', [ispb]);
  assert.equal(rows[0].n, 6);
  assert.equal((await startStream(env.url, ispb, 'json')).status, 429, 'the 7th');
  assert.equal((await closeStream(env.url, opened[0]!.pullNext)).status, 200);
  const seventh = await startStream(env.url, ispb, 'json');
  assert.equal(seventh.status, 200, 'a closed stream\'s slot is free at once');
  for (const stream of [...opened.slice(1), seventh]) assert.equal((await closeStream(env.url, stream.pullNext)).status, 200);
});

test('an unknown or closed interationId is 404, and an ISPB that is not 8 digits is 400, on every route', async () => {
  const ispb = freshIspb();
  for (const id of ['999999999-0', '1-999', 'abc', '1', '01-0', '-1']) {
    assert.equal((await pullPath(env.url, `/api/pix/${ispb}/stream/${id}`)).status, 404, `pull ${id}`);
    assert.equal((await closeStream(env.url, `/api/pix/${ispb}/stream/${id}`)).status, 404, `delete ${id}`);
  }
  for (const bad of ['1234567', '123456789', 'abcdefgh']) {
    assert.equal((await startStream(env.url, bad)).status, 400, `start ${bad}`);
    assert.equal((await pullPath(env.url, `/api/pix/${bad}/stream/1-0`)).status, 400, `pull ${bad}`);
    assert.equal((await closeStream(env.url, `/api/pix/${bad}/stream/1-0`)).status, 400, `delete ${bad}`);
  }
  // A stream of another ISPB is not this ISPB's.
  const other = freshIspb();
  await generateOrFail(env.url, other, 1);
  const answer = await startStream(env.url, other, 'json');
  const foreign = answer.pullNext.replace(`/api/pix/${other}/`, `/api/pix/${ispb}/`);
  assert.equal((await pullPath(env.url, foreign)).status, 404);
  assert.equal((await closeStream(env.url, answer.pullNext)).status, 200);
});

test('a pull whose client goes away while it waits leaves nothing behind on the instance', async () => {
  const ispb = freshIspb();
  const controller = new AbortController();
  const pending = fetch(`${instanceUrl(0)}/api/pix/${ispb}/stream/start`, { signal: controller.signal }).catch(() => 'aborted');
  const polls = async () => Number(/^crebitos_pix_polls (\d+)/m.exec((await request(`${instanceUrl(0)}/metrics`)).text)?.[1]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await polls(), 1, 'one pull waits');
  controller.abort();
  assert.equal(await pending, 'aborted');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await polls(), 0, 'the aborted pull left the waiters');
  // Its stream is still open (until its lease) and its id pulls fine.
  await generateOrFail(env.url, ispb, 1);
  const { rows } = await env.db.pool.query('SELECT id FROM pix_streams WHERE ispb = $1', [ispb]);
  assert.equal(rows.length, 1);
  const answer = await pullPath(env.url, `/api/pix/${ispb}/stream/${rows[0].id}-0`, 'json');
  assert.equal(answer.status, 200);
  assert.equal((await closeStream(env.url, answer.pullNext)).status, 200);
});

test('the pix tables are stored durably (logged), and the metrics count deliveries, acknowledgements, wake-ups and pulls per database call', async () => {
  const { rows } = await env.db.pool.query("SELECT relname, relpersistence FROM pg_class WHERE relname IN ('pix_messages', 'pix_streams') ORDER BY relname");
  assert.deepEqual(rows, [
    { relname: 'pix_messages', relpersistence: 'p' },
    { relname: 'pix_streams', relpersistence: 'p' },
  ]);
  const text = (await request(`${instanceUrl(1)}/metrics`)).text;
  for (const name of ['crebitos_pix_messages_delivered_total', 'crebitos_pix_messages_acknowledged_total', 'crebitos_pix_messages_redelivered_total', 'crebitos_pix_wakeup_seconds_count', 'crebitos_pix_call_pulls_count', 'crebitos_pix_polls', 'crebitos_pix_open_streams']) {
    assert.match(text, new RegExp(`^${name} \\d`, 'm'), name);
  }
  assert.ok(Number(/^crebitos_pix_messages_delivered_total (\d+)/m.exec(text)![1]) > 0);
});

test('the open streams are shown per ISPB in the metrics, read from the database at scrape time by any instance', async () => {
  const ispb = freshIspb();
  await generateOrFail(env.url, ispb, 2);
  const opened = [await startStream(env.url, ispb, 'json'), await startStream(env.url, ispb, 'json')];
  const series = new RegExp(`^crebitos_pix_ispb_open_streams\\{ispb="${ispb}"\\} (\\d+)`, 'm');
  for (const i of [0, 1]) assert.equal(series.exec((await request(`${instanceUrl(i)}/metrics`)).text)?.[1], '2', `api0${i + 1}`);
  for (const answer of opened) assert.equal((await closeStream(env.url, answer.pullNext)).status, 200);
  assert.equal(series.exec((await request(`${instanceUrl(0)}/metrics`)).text), null, 'a closed stream is no longer shown');
});
