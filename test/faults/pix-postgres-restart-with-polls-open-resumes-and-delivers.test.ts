// Fault: Postgres crashes (SIGKILL to the server and its backends) while Pix pulls wait, and
// restarts. A waiting pull holds no database connection, so it survives; the LISTEN connection
// re-connects by itself and then every waiting pull looks again, so messages committed while it
// was down are delivered to the pulls that were already waiting, without a 5xx.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { PostgresServer } from '../../scripts/lib/postgres.js';
import { startOwnedPostgres } from '../helpers/database.js';
import { request } from '../helpers/http.js';
import { closeStream, freshIspb, pullPath, startStream } from '../helpers/pix.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let owned: Awaited<ReturnType<typeof startOwnedPostgres>>;
let postgres: PostgresServer;
let env: TestStack;
const WAIT_MS = 12_000;

before(async () => {
  owned = await startOwnedPostgres('fault-pix-pg');
  postgres = owned.postgres;
  env = await startTestStack('fault_pix_kill_pg', { databaseUrl: owned.url, apiEnv: { PIX_POLL_WAIT_MS: String(WAIT_MS) } });
});
after(async () => {
  await env?.stop();
  await owned?.remove();
});

test('pulls waiting while Postgres crashes and restarts stay open, and deliver the messages committed after the restart, each exactly once', async () => {
  const instances = env.stack.instances;
  const ispbs = [freshIspb(), freshIspb()];
  // Two waiting pulls per ISPB, one straight at each instance.
  const openedAt = Date.now();
  const polls = ispbs.flatMap((ispb) => instances.map((instance) => startStream(`http://127.0.0.1:${instance.port}`, ispb, 'json')));
  await new Promise((resolve) => setTimeout(resolve, 500));

  await postgres.kill();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await postgres.start();
  // Committed as soon as the database is back, likely before the LISTEN connections are.
  const client = new pg.Client({ connectionString: postgres.url('crebitos') });
  await client.connect();
  for (const ispb of ispbs) await client.query('SELECT pix_generate_messages($1, 8)', [ispb]);
  const committedAt = Date.now();
  await client.end();

  const answers = await Promise.all(polls);
  const answeredAt = Date.now();
  assert.ok(answeredAt - openedAt < WAIT_MS, `answered within their wait (${answeredAt - openedAt} ms)`);
  for (const answer of answers) assert.equal(answer.status, 200, `a waiting pull delivers after the restart, got ${answer.status} ${answer.text}`);
  const first = answers.flatMap((a) => a.messages.map((m) => m.endToEndId));
  assert.equal(new Set(first).size, first.length, 'no message in two pulls');

  // The rest, through the same streams (one at a time, round robin); then each stream closes.
  const rest: string[] = [];
  const paths = answers.map((answer) => answer.pullNext);
  for (let i = 0; first.length + rest.length < 16 && i < 40; i++) {
    const next = await pullPath(env.url, paths[i % paths.length]!, 'json');
    assert.equal(next.status, 200, next.text);
    rest.push(...next.messages.map((m) => m.endToEndId));
    paths[i % paths.length] = next.pullNext;
  }
  for (const next of paths) assert.equal((await closeStream(env.url, next)).status, 200);
  const all = [...first, ...rest];
  assert.equal(new Set(all).size, all.length, 'exactly once');
  assert.equal(all.length, 16, `all 16 committed messages delivered (${all.length})`);
  for (const instance of instances) {
    assert.ok(instance.running, `${instance.name} still runs`);
    const metrics = (await request(`http://127.0.0.1:${instance.port}/metrics`)).text;
    assert.match(metrics, /^crebitos_pix_listening 1/m, `${instance.name} listens again`);
  }
  console.log(`Postgres kill -9 with 4 pulls waiting: all answered within ${answeredAt - committedAt} ms of the commit (wait ${WAIT_MS} ms); 16 messages exactly once`);
});
