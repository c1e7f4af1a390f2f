// Fault 7: abusive clients, all at once, through nginx and straight at an instance: bodies over
// the 1 KiB cap (declared, and chunked without end), endless headers, bodies that never finish,
// headers dribbled forever, and a valid request dribbled one byte at a time. Meanwhile normal
// clients keep getting 200, the instances' memory stays bounded, every oversized request is cut
// off long before it is all sent, and every stalled connection is eventually closed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAnswersMatchLedger } from '../helpers/accounting.js';
import { describeOutcomes, runLoad, sleep, startLoad, statusCounts, transactionRequest, uniqueDescricao, type RequestOutcome } from '../helpers/load.js';
import { rssBytes } from '../helpers/proc.js';
import { formatRequest, RawConnection, type RawResponse } from '../helpers/raw-http.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const MAX_RSS_GROWTH_BYTES = 50 * 1024 * 1024;
const STREAM_LIMIT_BYTES = 32 * 1024 * 1024; // what an oversized client would send if let
const STALLED_PER_TARGET = 50;
const SLOWLORIS_PER_TARGET = 20;
const DRIBBLERS_PER_TARGET = 3;
// Both nginx (client_header_timeout, client_body_timeout: 10 s) and uWS (idle timeout ~10-12 s)
// close a stalled connection; this is only the bound the test waits for it.
const STALLED_CLOSE_WITHIN_MS = 30_000;

let env: TestStack;
before(async () => {
  env = await startTestStack('fault_slow');
});
after(async () => {
  await env?.stop();
});

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => fallback)]);
}

interface StreamResult {
  response: RawResponse | undefined;
  sent: number;
  closed: boolean;
}

/** Sends `head`, then `chunk` over and over until the server answers or closes (or the limit). */
async function streamUntilCutOff(port: number, head: string, chunk: Buffer): Promise<StreamResult> {
  const connection = await RawConnection.open(port);
  let response: RawResponse | undefined;
  let answered = false;
  const answer = connection.readResponse(20_000).then((r) => {
    response = r;
    answered = true;
  });
  let sent = 0;
  if (await connection.write(head)) {
    while (!answered && !connection.isClosed && sent < STREAM_LIMIT_BYTES) {
      if (!(await withTimeout(connection.write(chunk), 5000, false))) break;
      sent += chunk.length;
      await new Promise((resolve) => setImmediate(resolve)); // let the answer in, if one came
    }
  }
  await withTimeout(answer, 20_000, undefined);
  const closed = connection.isClosed;
  connection.destroy();
  return { response, sent, closed };
}

test('oversized, endless and dribbling clients through nginx and at an instance are cut off, keep memory bounded, and never slow down other clients', async () => {
  const [api01, api02] = env.stack.instances as [typeof env.stack.instances[0], typeof env.stack.instances[0]];
  const targets = [
    { name: 'nginx', port: env.port },
    { name: 'api01', port: api01.port },
  ];
  let nextDescricao = 0;
  const normal = (i: number) => transactionRequest([env.port, api01.port, api02.port][i % 3]!, 1 + (i % 5), 1 + (i % 50), 'c', uniqueDescricao(nextDescricao++));

  // Warm up (JIT, pools, buffers), then take the baseline memory.
  const warmUp = await runLoad({ concurrency: 8, maxRequests: 1000, maxDurationMs: 30_000, next: normal });
  await sleep(500);
  const pids = [api01.pid!, api02.pid!];
  const baseline = await Promise.all(pids.map(rssBytes));
  const peak = [...baseline];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = await Promise.all(pids.map((pid) => rssBytes(pid).catch(() => 0)));
      now.forEach((rss, i) => (peak[i] = Math.max(peak[i]!, rss)));
      await sleep(100);
    }
  })();

  // Normal clients, throughout.
  const load = startLoad({ concurrency: 4, maxRequests: 100_000, maxDurationMs: 60_000, pauseMs: 5, next: normal });
  const windowStart = Date.now();

  const chunk = Buffer.alloc(64 * 1024, 'a');
  const chunked = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
  const oversized = targets.flatMap((target) => [
    ...Array.from({ length: 4 }, () =>
      streamUntilCutOff(target.port, 'POST /clientes/1/transacoes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 33554432\r\n\r\n', chunk).then((r) => ({ ...r, target: target.name, kind: 'declared body' })),
    ),
    ...Array.from({ length: 4 }, () =>
      streamUntilCutOff(target.port, 'POST /clientes/1/transacoes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', chunked).then((r) => ({ ...r, target: target.name, kind: 'chunked body' })),
    ),
    ...Array.from({ length: 2 }, () =>
      streamUntilCutOff(target.port, 'GET /clientes/1/extrato HTTP/1.1\r\nHost: x\r\nX-Endless: ', chunk).then((r) => ({ ...r, target: target.name, kind: 'endless header' })),
    ),
  ]);

  // Bodies that never finish, and headers dribbled forever.
  const stalled: { target: string; kind: string; connection: RawConnection }[] = [];
  const dribbleTimers: NodeJS.Timeout[] = [];
  for (const target of targets) {
    for (let i = 0; i < STALLED_PER_TARGET; i++) {
      const connection = await RawConnection.open(target.port);
      await connection.write('POST /clientes/1/transacoes HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"valor":1');
      stalled.push({ target: target.name, kind: 'unfinished body', connection });
    }
    for (let i = 0; i < SLOWLORIS_PER_TARGET; i++) {
      const connection = await RawConnection.open(target.port);
      await connection.write('GET /clientes/1/extrato HTTP/1.1\r\nHost: x\r\n');
      const timer = setInterval(() => void connection.write('X'), 500);
      dribbleTimers.push(timer);
      void connection.closed.then(() => clearInterval(timer));
      stalled.push({ target: target.name, kind: 'endless dribbled header', connection });
    }
  }

  // Valid requests dribbled one byte at a time still get their answer.
  const dribbled: RequestOutcome[] = [];
  const dribblers = targets.flatMap((target) =>
    Array.from({ length: DRIBBLERS_PER_TARGET }, async (_, i) => {
      const request = transactionRequest(target.port, 3, 1, 'c', uniqueDescricao(targets.indexOf(target) * 100 + i, 'S'));
      const connection = await RawConnection.open(target.port);
      const sentAt = Date.now();
      for (const byte of formatRequest('POST', request.path, request.body)) {
        await connection.write(Buffer.from([byte]));
        await sleep(20);
      }
      const response = await connection.readResponse(10_000);
      connection.destroy();
      dribbled.push({ request, status: response?.status ?? 0, body: response?.body.toString('utf8') ?? '', connection: '', sentAt, answeredAt: Date.now() });
    }),
  );

  const streams = await Promise.all(oversized);
  await Promise.all(dribblers);
  const closedInTime = await Promise.all(stalled.map((s) => s.connection.closesWithin(STALLED_CLOSE_WITHIN_MS)));
  dribbleTimers.forEach(clearInterval);
  for (const s of stalled) s.connection.destroy();
  const windowEnd = Date.now();
  const outcomes = await load.stop();
  sampling = false;
  await sampler;

  // Every oversized request was cut off early. nginx answers 413 (bodies) or 400 (headers) and
  // reads on a while before closing, so the client reads the answer. An instance answers 413
  // and closes at once (uWS shuts down and closes so the client cannot keep sending): a client
  // still sending then gets a reset, which may arrive before it has read the 413. uWS closes an
  // endless header without answering.
  for (const stream of streams) {
    const what = `${stream.kind} at ${stream.target}: answer ${stream.response?.status ?? 'none'}, ${stream.sent} bytes sent, closed ${stream.closed}`;
    assert.ok(stream.sent < STREAM_LIMIT_BYTES, `${what}: the server read it all`);
    const expected = stream.kind === 'endless header' ? [400, 414, 431] : [413];
    if (stream.target === 'nginx') assert.ok(expected.includes(stream.response?.status ?? 0), what);
    else assert.ok(stream.response === undefined ? stream.closed : expected.includes(stream.response.status), what);
  }
  // Every stalled connection was closed by the server, none was answered with a body.
  const open = stalled.filter((_, i) => !closedInTime[i]);
  assert.equal(open.length, 0, `stalled connections still open after ${STALLED_CLOSE_WITHIN_MS} ms: ${open.map((s) => `${s.kind} at ${s.target}`).slice(0, 5).join(', ')}`);
  // Dribbled requests were served.
  assert.deepEqual(dribbled.map((o) => o.status), dribbled.map(() => 200), `dribbled requests: ${describeOutcomes(dribbled)}`);

  // Normal clients: every answer a 200, and answers all along the window.
  const failures = outcomes.filter((o) => o.status !== 200);
  assert.equal(failures.length, 0, `normal clients: ${JSON.stringify(statusCounts(outcomes))}\n${describeOutcomes(failures)}`);
  for (let slice = windowStart; slice + 2000 <= windowEnd; slice += 2000) {
    assert.ok(outcomes.some((o) => o.answeredAt >= slice && o.answeredAt < slice + 2000), `no normal request was answered between +${slice - windowStart} and +${slice - windowStart + 2000} ms`);
  }

  // Memory stayed bounded, and both instances still run.
  const growth = peak.map((p, i) => p - baseline[i]!);
  console.log(
    `slow clients: ${outcomes.length} normal answers, RSS baseline ${baseline.map((b) => (b / 2 ** 20).toFixed(0))} MB, ` +
      `peak growth ${growth.map((g) => (g / 2 ** 20).toFixed(1))} MB; oversized sent at most ${Math.max(...streams.map((s) => s.sent))} bytes before the cut`,
  );
  growth.forEach((g, i) => assert.ok(g < MAX_RSS_GROWTH_BYTES, `api0${i + 1} RSS grew by ${(g / 2 ** 20).toFixed(1)} MB`));
  assert.ok(api01.running && api02.running);

  const accounting = await assertAnswersMatchLedger(env.db.pool, [...warmUp, ...outcomes, ...dribbled]);
  assert.equal(accounting.rows, accounting.ok);
});
