// Issue 12's memory target, pinned small: a large file uploaded through nginx (streamed from
// disk with a Content-Length, as bench:billing sends the 1.1M-row reference file) grows the API
// instance by a bounded amount over its idle RSS. The body is streamed and parsed 16 KiB at a
// time; what grows is garbage not yet collected (young generation, promoted Buffers), which the
// instance's node flags (scripts/lib/stack.ts DEFAULT_API_NODE_FLAGS) keep small: the growth no
// longer follows the file's size (the 1.1M-row file, 112 MiB: +13 to +14 MiB measured the same way).
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeDebtsCsv } from '../../../bench/billing-csv.js';
import { rssBytes } from '../../helpers/proc.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const ROWS = 300_000;
/**
 * Above idle (~75-80 MiB). Measured: +10 to +13 MiB with the default node flags, +31 to +35
 * without them or with the small semi-space alone; issue 12's target is a peak under 100 MB.
 */
const MAX_GROWTH_MIB = 24;

let env: TestStack;
let dir: string;
let file: string;
let size: number;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'crebitos-upload-memory-'));
  file = path.join(dir, 'debts.csv');
  [env, size] = await Promise.all([startTestStack('billing_memory', { instances: 1 }), writeDebtsCsv(file, ROWS)]);
});
after(async () => {
  await env?.stop();
  await rm(dir, { recursive: true, force: true });
});

function upload(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/billings/csv/upload', headers: { 'content-type': 'text/csv', 'content-length': size } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    request.on('error', reject);
    createReadStream(file).on('error', reject).pipe(request);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS once the start's garbage is collected (an instance starts ~30 MiB above its idle; V8 returns it within ~0.5 s). */
async function idleRss(pid: number): Promise<number> {
  await sleep(1000);
  let previous = await rssBytes(pid);
  for (let i = 0; i < 20; i++) {
    await sleep(250);
    const now = await rssBytes(pid);
    if (Math.abs(now - previous) < 2 ** 20) return now;
    previous = now;
  }
  return previous;
}

test(`a ${ROWS / 1000}k-row file uploaded through nginx grows the instance by less than ${MAX_GROWTH_MIB} MiB over idle`, async (t) => {
  const pid = env.stack.instances[0]!.pid!;
  const idle = await idleRss(pid);
  let peak = idle;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssBytes(pid));
      await sleep(20);
    }
  })();
  const answer = await upload(env.port);
  sampling = false;
  await sampler;
  assert.equal(answer.status, 201, answer.body.slice(0, 300));
  assert.equal(JSON.parse(answer.body).imported, ROWS);
  const grownMiB = (peak - idle) / 2 ** 20;
  t.diagnostic(`idle ${(idle / 2 ** 20).toFixed(1)} MiB, peak ${(peak / 2 ** 20).toFixed(1)} MiB (+${grownMiB.toFixed(1)}) for ${(size / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(grownMiB < MAX_GROWTH_MIB, `the instance grew by ${grownMiB.toFixed(1)} MiB for a ${(size / 2 ** 20).toFixed(1)} MiB file`);
});
