// The billing store and SQL functions on real Postgres: the import is one transaction (a failed
// upload leaves nothing), the merge is idempotent (duplicates and re-sent files create nothing),
// concurrent identical uploads import once, and the workers' functions record each outcome once
// (a stale claim changes nothing; a second record of the same e-mail changes nothing).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { BodyStreamError } from '../../../src/kernel/body-stream.js';
import { PgBillingStore } from '../../../src/billing/store.js';
import { CLAIM_JOBS, ISSUE_BOLETOS, RECORD_EMAILS } from '../../../src/billing/store-sql.js';
import { csv, debt } from '../../helpers/billing.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

let db: TestDatabase;
let store: PgBillingStore;
before(async () => {
  db = await createTestDatabase('billing_import');
  store = new PgBillingStore(db.pool, db.url);
});
after(async () => {
  await db?.drop();
});

const source = (text: string) => Readable.from([Buffer.from(text)]);
const count = async (sql: string, values: unknown[] = []) => (await db.pool.query(sql, values)).rows[0].n as number;

test('a debtId already imported, or repeated in the file, is a duplicate: counted, skipped, no second debt nor job', async () => {
  const a = debt();
  const b = debt();
  const first = await store.importCsv(source(csv([a, b])), 'first.csv', null);
  assert.equal(first.status, 'imported');
  assert.deepEqual([first.file!.imported, first.file!.duplicates], [2, 0]);
  const c = debt();
  const second = await store.importCsv(source(csv([a, c, c, b])), 'second.csv', null);
  assert.deepEqual([second.file!.rows, second.file!.imported, second.file!.duplicates, second.file!.invalid], [4, 1, 3, 0]);
  assert.equal(await count('SELECT count(*)::int AS n FROM billing_debts WHERE debt_id = ANY($1)', [[a.debtId, b.debtId, c.debtId]]), 3);
  // The first line of a repeated debtId wins; the earlier file keeps its debts.
  const { rows } = await db.pool.query('SELECT file_id, line FROM billing_debts WHERE debt_id = $1', [c.debtId]);
  assert.deepEqual(rows, [{ file_id: second.file!.id, line: 3 }]);
  assert.equal(await count('SELECT count(*)::int AS n FROM billing_debts WHERE debt_id = $1 AND file_id = $2', [a.debtId, first.file!.id]), 1);
});

test('the same bytes again answer the first file\'s record and change nothing; concurrent identical uploads import once', async () => {
  const body = csv([debt(), debt()]);
  const first = await store.importCsv(source(body), null, null);
  const files = await count('SELECT count(*)::int AS n FROM billing_files');
  const jobs = await count('SELECT count(*)::int AS n FROM billing_jobs');
  const again = await store.importCsv(source(body), 'renamed.csv', null);
  assert.equal(again.status, 'duplicate_file');
  assert.equal(again.file!.id, first.file!.id);
  assert.equal(await count('SELECT count(*)::int AS n FROM billing_files'), files);
  assert.equal(await count('SELECT count(*)::int AS n FROM billing_jobs'), jobs);

  const racing = csv([debt(), debt(), debt()]);
  const outcomes = await Promise.all([store.importCsv(source(racing), null, null), store.importCsv(source(racing), null, null)]);
  assert.deepEqual(outcomes.map((o) => o.status).sort(), ['duplicate_file', 'imported']);
  assert.equal(outcomes[0]!.file!.id, outcomes[1]!.file!.id);
  assert.equal(await count('SELECT count(*)::int AS n FROM billing_files WHERE id = $1', [outcomes[0]!.file!.id]), 1);
});

test('an upload that fails half-way (the client went away) leaves no file, no debt, no job', async () => {
  const files = await count('SELECT count(*)::int AS n FROM billing_files');
  const debts = await count('SELECT count(*)::int AS n FROM billing_debts');
  const lines = csv(Array.from({ length: 2000 }, () => debt()));
  const broken = new Readable({ read() {} });
  broken.push(Buffer.from(lines.slice(0, lines.length / 2)));
  setTimeout(() => broken.destroy(new BodyStreamError('aborted', 'gone')), 50);
  await assert.rejects(store.importCsv(broken, null, null), (e: unknown) => e instanceof BodyStreamError);
  assert.equal(await count('SELECT count(*)::int AS n FROM billing_files'), files);
  assert.equal(await count('SELECT count(*)::int AS n FROM billing_debts'), debts);
});

test('while an upload streams, its record is visible as receiving with its progress; its debts are not', async () => {
  const debts = Array.from({ length: 3000 }, () => debt());
  const text = csv(debts);
  const slow = new Readable({ read() {} });
  const importing = store.importCsv(slow, 'slow.csv', text.length);
  slow.push(Buffer.from(text.slice(0, text.length / 2)));
  let receiving: { status: string; bytesReceived: number } | undefined;
  for (let i = 0; i < 100 && (receiving === undefined || receiving.bytesReceived === 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    receiving = (await store.listFiles()).find((f) => f.name === 'slow.csv');
  }
  assert.equal(receiving?.status, 'receiving', JSON.stringify(receiving));
  assert.ok(receiving!.bytesReceived > 0);
  assert.equal(await count('SELECT count(*)::int AS n FROM billing_debts WHERE debt_id = $1', [debts[0]!.debtId]), 0);
  slow.push(Buffer.from(text.slice(text.length / 2)));
  slow.push(null);
  const done = await importing;
  assert.equal(done.file!.imported, 3000);
  assert.equal(done.file!.status, 'processing');
});

test('a boletos job recorded by a stale claim changes nothing; e-mail outcomes recorded twice count once, and the file becomes done', async () => {
  await db.pool.query("UPDATE billing_jobs SET state = 'done'");
  const [a, b] = [debt(), debt()];
  const imported = await store.importCsv(source(csv([a, b])), null, null);
  const { rows: [job] } = await db.pool.query(CLAIM_JOBS, ['boletos', 1, 60_000]);
  const { rows: debts } = await db.pool.query('SELECT seq FROM billing_debts WHERE file_id = $1 ORDER BY seq', [imported.file!.id]);
  const seqs = debts.map((d) => d.seq);
  const lines = seqs.map(() => '0'.repeat(47));
  assert.equal((await db.pool.query(ISSUE_BOLETOS, [job.id, job.attempts - 1, seqs, lines, 200])).rows[0].issued, -1);
  assert.equal(await count("SELECT count(*)::int AS n FROM billing_debts WHERE file_id = $1 AND state = 'imported'", [imported.file!.id]), 2);
  assert.equal((await db.pool.query(ISSUE_BOLETOS, [job.id, job.attempts, seqs, lines, 200])).rows[0].issued, 2);
  assert.equal((await db.pool.query(ISSUE_BOLETOS, [job.id, job.attempts, seqs, lines, 200])).rows[0].issued, -1, 'a done job records nothing');

  const record = (sent: boolean[], permanent: boolean[]) => db.pool.query(RECORD_EMAILS, [seqs, sent, permanent, ['', 'SMTP 550'], 5, 10, 100]);
  assert.equal((await record([true, false], [false, true])).rows[0].recorded, 2);
  assert.equal((await record([true, true], [false, false])).rows[0].recorded, 0, 'settled debts are not recorded again');
  const file = (await store.findFile(imported.file!.id))!;
  assert.deepEqual([file.boletosIssued, file.emailsSent, file.emailsFailed, file.status, file.progress], [2, 1, 1, 'done', 1]);
});

test('two claims at once never get the same job (SKIP LOCKED), and a claimed job is leased', async () => {
  await db.pool.query("UPDATE billing_jobs SET state = 'done'");
  await store.importCsv(source(csv([debt()])), null, null);
  await store.importCsv(source(csv([debt()])), null, null);
  const [x, y] = await Promise.all([db.pool.query(CLAIM_JOBS, ['boletos', 1, 60_000]), db.pool.query(CLAIM_JOBS, ['boletos', 1, 60_000])]);
  assert.equal(x.rows.length + y.rows.length, 2);
  assert.notEqual(x.rows[0].id, y.rows[0].id);
  assert.equal((await db.pool.query(CLAIM_JOBS, ['boletos', 10, 60_000])).rows.length, 0, 'leased jobs are not due');
});
