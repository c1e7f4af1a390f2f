// Many collectors on one ISPB through nginx and both instances, draining messages inserted
// while they run: each message reaches exactly one stream, once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { freshIspb, generateOrFail, runCollector } from '../../helpers/pix.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let env: TestStack;
before(async () => {
  // A shorter wait than part E's 8 s, so that stopping the collectors does not wait 8 s.
  env = await startTestStack('pix_collectors', { apiEnv: { PIX_POLL_WAIT_MS: '1000' } });
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  installContract(undefined);
  await env?.stop();
});

const TOTAL = 10_000;
const COLLECTORS = 12;

test('12 collectors on one ISPB (6 streams, the rest refused with 429 and retrying) drain 10,000 messages inserted while they run: each delivered exactly once, in one stream', async () => {
  const ispb = freshIspb();
  const deadline = Date.now() + 90_000;
  let stop = false;
  const startedAt = Date.now();
  const collectors = Array.from({ length: COLLECTORS }, (_, i) =>
    runCollector({ base: env.url, ispb, accept: i % 4 === 0 ? 'json' : 'multipart', pullsPerStream: 20, retryMs: 20, deadline }, () => stop),
  );
  // Producers: 10,000 messages in batches of 250 through nginx, spread while the collectors run.
  for (let sent = 0; sent < TOTAL; sent += 250) {
    await generateOrFail(env.url, ispb, 250);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const producedAt = Date.now();
  const delivered = async () => (await env.db.pool.query('SELECT count(*)::int AS n FROM pix_messages WHERE ispb = $1 AND stream_id IS NOT NULL', [ispb])).rows[0].n;
  while ((await delivered()) < TOTAL && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  stop = true;
  const reports = await Promise.all(collectors);
  const drainedAt = Date.now();

  const all = reports.flatMap((r) => r.received);
  const statuses: Record<string, number> = {};
  for (const report of reports) for (const [status, n] of Object.entries(report.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  const byId = new Map<string, Set<string>>();
  let twice = 0;
  for (const { endToEndId, stream } of all) {
    const streams = byId.get(endToEndId) ?? new Set();
    if (byId.has(endToEndId)) twice++;
    streams.add(stream);
    byId.set(endToEndId, streams);
  }
  assert.equal(twice, 0, `${twice} deliveries of a message already delivered`);
  assert.equal(byId.size, TOTAL, `every message delivered (${byId.size} of ${TOTAL}); statuses ${JSON.stringify(statuses)}`);
  assert.ok(statuses['429']! > 0, 'the collectors beyond 6 were refused with 429');
  assert.ok(reports.every((r) => r.received.length > 0), `every collector got a stream in turn: ${reports.map((r) => r.received.length).join(', ')}`);
  const odd = Object.keys(statuses).filter((status) => !['200', '204', '429'].includes(status));
  assert.deepEqual(odd, [], `only 200, 204 and 429: ${JSON.stringify(statuses)}`);

  const { rows } = await env.db.pool.query(
    `SELECT count(*) FILTER (WHERE acked_at IS NOT NULL)::int AS acked, count(*)::int AS total, max(deliveries)::int AS most,
            (SELECT count(*)::int FROM pix_streams WHERE ispb = $1) AS open
       FROM pix_messages WHERE ispb = $1`,
    [ispb],
  );
  assert.deepEqual(rows[0], { acked: TOTAL, total: TOTAL, most: 1, open: 0 }, 'all acknowledged, each handed out once, every stream closed');
  console.log(
    `12 collectors: ${TOTAL} messages exactly once; produced in ${producedAt - startedAt} ms, drained ${drainedAt - startedAt} ms after the start; ` +
      `statuses ${JSON.stringify(statuses)}; per collector ${reports.map((r) => r.received.length).join(', ')}`,
  );
});
