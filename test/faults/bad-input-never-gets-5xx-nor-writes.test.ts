// Fault 6: hostile input. Thousands of random and mutated requests (bodies, paths, methods,
// headers, framing, raw garbage), half through nginx and half straight at one instance: never a
// 5xx, never a crash, an error answer is always a small JSON body, and a row is written only
// for a 200. Seeded: the seed is printed; CREBITOS_FUZZ_SEED=<seed> replays the same requests.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertLedgerConsistent, totalTransactions } from '../helpers/ledger-invariant.js';
import { getStatement } from '../helpers/http.js';
import { fuzzCase, showBytes, type FuzzCase } from '../helpers/fuzz.js';
import { createRandom, seedFrom } from '../helpers/random.js';
import { formatRequest, rawExchange, RawConnection, type RawResponse } from '../helpers/raw-http.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const CASES = 10_000;
const MAX_DURATION_MS = 90_000;
const CONCURRENCY = 32;
// A well-framed request is answered at once; broken HTTP may be left unanswered, and uWS only
// drops such a connection at its idle timeout: do not wait for that.
const MUST_ANSWER_TIMEOUT_MS = 5000;
const MAY_DROP_TIMEOUT_MS = 800;

let env: TestStack;
before(async () => {
  env = await startTestStack('fault_fuzz');
});
after(async () => {
  await env?.stop();
});

interface Problem {
  port: number;
  fuzz: FuzzCase;
  problem: string;
}

async function send(port: number, fuzz: FuzzCase, mustAnswer: boolean): Promise<RawResponse | undefined> {
  const connection = await RawConnection.open(port);
  try {
    // The server may close before it read everything (413, garbage): a failed write is fine.
    await connection.write(fuzz.bytes);
    return await connection.readResponse(mustAnswer ? MUST_ANSWER_TIMEOUT_MS : MAY_DROP_TIMEOUT_MS, fuzz.head);
  } finally {
    connection.destroy();
  }
}

test('thousands of random and mutated requests through nginx and straight at an instance never get a 5xx, never crash an instance, and write a row only for a 200', async () => {
  const seed = seedFrom('CREBITOS_FUZZ_SEED');
  console.log(`fuzz seed ${seed} (replay with CREBITOS_FUZZ_SEED=${seed} npm test -- faults/bad-input)`);
  const random = createRandom(seed);
  const [api01, api02] = env.stack.instances;
  const pids = [api01!.pid, api02!.pid];
  const ports = [env.port, api01!.port];
  // Generated up front, in order, so the same seed gives the same cases whatever the timing.
  const cases = Array.from({ length: CASES }, () => fuzzCase(random));

  const problems: Problem[] = [];
  const statuses: Record<string, number> = {};
  let transactionsAnswered200 = 0;
  let next = 0;
  const deadline = Date.now() + MAX_DURATION_MS;
  const worker = async () => {
    while (next < cases.length && Date.now() < deadline) {
      const index = next++;
      const fuzz = cases[index]!;
      const port = ports[index % 2]!;
      const mustAnswer = port === env.port ? fuzz.mustAnswer.nginx : fuzz.mustAnswer.instance;
      const response = await send(port, fuzz, mustAnswer);
      const key = `${port === env.port ? 'nginx' : 'api01'} ${fuzz.kind} ${response?.status ?? 'none'}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (response === undefined) {
        if (mustAnswer) problems.push({ port, fuzz, problem: 'no answer to a request that must get one' });
        continue;
      }
      if (response.status >= 500) problems.push({ port, fuzz, problem: `answered ${response.status} ${response.body.toString('latin1')}` });
      if (response.status >= 400 && !fuzz.head) {
        let json: unknown;
        try {
          json = JSON.parse(response.body.toString('utf8'));
        } catch {
          json = undefined;
        }
        if (typeof (json as { erro?: unknown } | undefined)?.erro !== 'string') {
          problems.push({ port, fuzz, problem: `error ${response.status} without a JSON {"erro"} body: ${response.body.toString('latin1').slice(0, 100)}` });
        }
      }
      // A transaction's 200 has a numeric saldo at the top; a statement's has an object (and the
      // console's pages, e.g. GET /, are HTML).
      const json = response.headers['content-type']?.startsWith('application/json') === true;
      if (response.status === 200 && !fuzz.head && json && typeof JSON.parse(response.body.toString('utf8')).saldo === 'number') transactionsAnswered200++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const sent = Math.min(next, cases.length);
  console.log(`fuzz: ${sent} cases sent; answers by target, kind and status: ${JSON.stringify(statuses)}`);

  const report = problems
    .slice(0, 8)
    .map((p) => `[${p.port === env.port ? 'nginx' : 'api01'} ${p.fuzz.kind}] ${p.problem}\n    request: ${showBytes(p.fuzz.bytes)}`)
    .join('\n');
  assert.equal(problems.length, 0, `seed ${seed}: ${problems.length} problems, first ones:\n${report}`);
  assert.ok(sent >= 1000, `only ${sent} cases ran`);

  // No crash: the same processes still run and serve, straight and through nginx.
  assert.ok(api01!.running && api02!.running, 'both instances still run');
  assert.deepEqual([api01!.pid, api02!.pid], pids, 'no instance was restarted');
  for (const base of [env.url, `http://127.0.0.1:${api01!.port}`, `http://127.0.0.1:${api02!.port}`]) {
    assert.equal((await getStatement(base, 1)).status, 200, `${base} still serves`);
  }

  // A row only for a 200, and the invariant.
  const ledger = await assertLedgerConsistent(env.db.pool);
  assert.equal(totalTransactions(ledger), transactionsAnswered200, `seed ${seed}: rows in transacoes vs 200 answers to transactions`);
});

// Regressions the fuzzing found, pinned one by one.

test('a request line nginx cannot parse gets a JSON 400 from nginx, never a 500', async () => {
  for (const line of ['FOO\u0001 /clientes/1/extrato HTTP/1.1', 'GET /clientes/1%00/extrato HTTP/1.1', 'GET /clientes/\u0001/extrato HTTP/1.1', '\u0016\u0003\u0001\u0002\u0000']) {
    const response = await rawExchange(env.port, Buffer.from(`${line}\r\nHost: x\r\n\r\n`, 'latin1'), 5000);
    assert.equal(response?.status, 400, `${JSON.stringify(line)}: ${response?.status} ${response?.body.toString('latin1')}`);
    assert.equal(typeof JSON.parse(response.body.toString('utf8')).erro, 'string');
  }
  const tooLong = await rawExchange(env.port, Buffer.from(`GET /${'a'.repeat(40_000)} HTTP/1.1\r\nHost: x\r\n\r\n`), 5000);
  assert.equal(tooLong?.status, 414, 'an over-long request line gets 414');
  assert.equal(typeof JSON.parse(tooLong.body.toString('utf8')).erro, 'string');
});

test('a request with more headers than uWS accepts is still answered through nginx, which forwards none of the client headers', async () => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < 80; i++) headers[`X-H${i}`] = 'v';
  const sentAt = Date.now();
  const response = await rawExchange(env.port, formatRequest('GET', '/clientes/1/extrato', undefined, headers), 5000);
  // Before the fix: no answer for ~20 s (uWS waits for more headers until its idle timeout, on
  // api01 and then on api02), then a 502.
  assert.equal(response?.status, 200, `answered ${response?.status ?? 'nothing'} after ${Date.now() - sentAt} ms`);
});

test('a method uWS does not know gets a JSON 405 from nginx, not a 502', async () => {
  for (const method of ['FOO', 'PROPFIND', 'M'.repeat(30)]) {
    const response = await rawExchange(env.port, formatRequest(method, '/clientes/1/extrato'), 5000);
    assert.equal(response?.status, 405, `${method}: ${response?.status ?? 'no answer'}`);
    assert.equal(typeof JSON.parse(response.body.toString('utf8')).erro, 'string');
  }
});

test("an unsupported Transfer-Encoding or HTTP version is the client's error: a JSON 400, not a 501 or 505", async () => {
  const requests = [
    'POST /clientes/1/transacoes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n',
    'GET /clientes/1/extrato HTTP/2.0\r\nHost: x\r\n\r\n',
  ];
  for (const text of requests) {
    const response = await rawExchange(env.port, Buffer.from(text), 5000);
    assert.equal(response?.status, 400, `${JSON.stringify(text)}: ${response?.status ?? 'no answer'}`);
    assert.equal(typeof JSON.parse(response.body.toString('utf8')).erro, 'string');
  }
});
