// Part F through nginx and both instances: the upload (multipart and text/csv), the files'
// records, the invalid rows, a file sent twice, the live list as server-sent events. Every
// answer read through the helpers is checked against the served OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { csv, debt, HEADER, uploadCsv, uploadForm } from '../../helpers/billing.js';
import { request } from '../../helpers/http.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let env: TestStack;
before(async () => {
  env = await startTestStack('part_f');
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  await env?.stop();
});

test('a multipart upload answers 201 with the file record once every valid row is committed', async () => {
  const debts = [debt(), debt(), debt()];
  const response = await uploadForm(env.url, csv(debts), 'tres.csv');
  assert.equal(response.status, 201, response.text);
  assert.deepEqual(
    { name: response.json.name, status: response.json.status, rows: response.json.rows, imported: response.json.imported, duplicates: response.json.duplicates, invalid: response.json.invalid },
    { name: 'tres.csv', status: 'processing', rows: 3, imported: 3, duplicates: 0, invalid: 0 },
  );
  assert.equal(response.headers.get('location'), `/billings/files/${response.json.id}`);
  const { rows } = await env.db.pool.query('SELECT debt_id, state, amount_cents::int AS cents FROM billing_debts WHERE file_id = $1 ORDER BY line', [response.json.id]);
  assert.deepEqual(rows.map((r) => r.debt_id), debts.map((d) => d.debtId));
  assert.ok(rows.every((r) => r.state === 'imported'));
});

test('a raw text/csv upload with CRLF, a BOM and blank lines imports the same way', async () => {
  const debts = [debt({ debtAmount: '1000000.00' }), debt({ debtAmount: '7811' })];
  const body = `\ufeff${csv(debts, '\r\n').replace('\r\n', '\r\n\r\n')}\r\n`;
  const response = await uploadCsv(env.url, body);
  assert.equal(response.status, 201, response.text);
  assert.equal(response.json.name, null);
  assert.equal(response.json.imported, 2);
  assert.equal(response.json.invalid, 0);
  const { rows } = await env.db.pool.query('SELECT amount_cents::bigint AS cents FROM billing_debts WHERE file_id = $1 ORDER BY line', [response.json.id]);
  assert.deepEqual(rows.map((r) => Number(r.cents)), [100_000_000, 781_100]);
});

test('invalid rows are skipped and listed with their line (the header is line 1) and reason; duplicates are skipped', async () => {
  const existing = debt();
  assert.equal((await uploadCsv(env.url, csv([existing]))).status, 201);
  const good = debt();
  const lines = [
    HEADER,
    [good.name, good.governmentId, good.email, good.debtAmount, good.debtDueDate, good.debtId].join(','),
    'Sem Valor,123,a@b.com,abc,2026-01-01,' + debt().debtId,
    '',
    '"Quoted, Name",123,c@d.com,10.00,2026-02-30,' + debt().debtId,
    [existing.name, existing.governmentId, existing.email, existing.debtAmount, existing.debtDueDate, existing.debtId].join(','),
    'Curta,1,x@y.com,1.00',
  ];
  const response = await uploadCsv(env.url, lines.join('\n') + '\n');
  assert.equal(response.status, 201, response.text);
  assert.deepEqual(
    { rows: response.json.rows, imported: response.json.imported, duplicates: response.json.duplicates, invalid: response.json.invalid },
    { rows: 5, imported: 1, duplicates: 1, invalid: 3 },
  );
  const detail = await request(`${env.url}/billings/files/${response.json.id}`);
  assert.equal(detail.status, 200, detail.text);
  assert.deepEqual(detail.json.invalidRows.map((r: { line: number }) => r.line), [3, 5, 7]);
  assert.match(detail.json.invalidRows[0].reason, /debtAmount/);
  assert.match(detail.json.invalidRows[1].reason, /debtDueDate/);
  assert.match(detail.json.invalidRows[2].reason, /6 colunas/);
  assert.equal(detail.json.invalidRowsTruncated, false);
});

test('the same file sent twice answers 200 with the first file\'s record and creates nothing', async () => {
  const body = csv([debt(), debt()]);
  const first = await uploadForm(env.url, body);
  assert.equal(first.status, 201, first.text);
  const again = await uploadCsv(env.url, body);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.id, first.json.id);
  const { rows } = await env.db.pool.query('SELECT count(*)::int AS n FROM billing_files WHERE sha256 = decode($1, \'hex\')', [first.json.sha256]);
  assert.equal(rows[0].n, 1);
});

test('a wrong header is 422 and leaves no file record', async () => {
  const before = (await env.db.pool.query('SELECT count(*)::int AS n FROM billing_files')).rows[0].n;
  const response = await uploadCsv(env.url, 'nome,cpf\nAna,1\n');
  assert.equal(response.status, 422, response.text);
  assert.match(response.json.erro, /cabeçalho/);
  const empty = await uploadCsv(env.url, '');
  assert.equal(empty.status, 422, empty.text);
  const after = (await env.db.pool.query('SELECT count(*)::int AS n FROM billing_files')).rows[0].n;
  assert.equal(after, before);
});

test('another content type is 415, a form without the file field 422', async () => {
  const url = `${env.url}/billings/csv/upload`;
  const json = await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(json.status, 415);
  const form = new FormData();
  form.append('other', 'x');
  const noFile = await fetch(url, { method: 'POST', body: form });
  assert.equal(noFile.status, 422, await noFile.text());
});

test('GET /billings/files lists the files newest first; an unknown or malformed id is 404', async () => {
  const newest = await uploadCsv(env.url, csv([debt()]));
  const list = await request(`${env.url}/billings/files`);
  assert.equal(list.status, 200);
  assert.equal(list.json[0].id, newest.json.id);
  for (let i = 1; i < list.json.length; i++) assert.ok(list.json[i - 1].createdAt >= list.json[i].createdAt);
  assert.equal((await request(`${env.url}/billings/files/00000000-0000-4000-8000-000000000000`)).status, 404);
  assert.equal((await request(`${env.url}/billings/files/nope`)).status, 404);
});

test('GET /billings/files/events sends the files list at connect and again when it changes', async () => {
  const controller = new AbortController();
  const response = await fetch(`${env.url}/billings/files/events`, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const nextEvent = async (): Promise<{ event: string; data: unknown }> => {
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end !== -1) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) return { event, data: JSON.parse(data) };
        continue;
      }
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended');
      buffered += decoder.decode(value, { stream: true });
    }
  };
  try {
    const first = await nextEvent();
    assert.equal(first.event, 'files');
    const contract = new OpenApiContract((await (await fetch(`${env.url}/openapi.json`)).json()) as never);
    contract.check('GET', `${env.url}/billings/files`, 200, 'application/json', JSON.stringify(first.data));
    const uploaded = await uploadCsv(env.url, csv([debt()]));
    let seen = false;
    const deadline = Date.now() + 10_000;
    while (!seen && Date.now() < deadline) {
      const next = await nextEvent();
      seen = (next.data as { id: string }[]).some((file) => file.id === uploaded.json.id);
    }
    assert.ok(seen, 'the new file appeared in an event');
  } finally {
    controller.abort();
  }
});

test('an Idempotency-Key replays its first upload (201, Idempotent-Replayed), is 422 with other bytes or when malformed', async () => {
  const key = `upload-${Math.random()}`;
  const body = csv([debt()]);
  const first = await uploadCsv(env.url, body, { 'idempotency-key': key });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.headers.get('idempotent-replayed'), null);
  const replay = await uploadCsv(env.url, body, { 'idempotency-key': key });
  assert.equal(replay.status, 201, replay.text);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(replay.json.id, first.json.id);
  const other = await uploadCsv(env.url, csv([debt()]), { 'idempotency-key': key });
  assert.equal(other.status, 422, other.text);
  assert.match(other.json.erro, /Idempotency-Key/);
  const malformed = await uploadCsv(env.url, body, { 'idempotency-key': 'x'.repeat(256) });
  assert.equal(malformed.status, 422, malformed.text);
});

test('GET /metrics counts the imported, duplicate and invalid rows and the refused uploads, with uploads in progress and pending e-mails', async () => {
  for (const instance of env.stack.instances) {
    const metrics = await (await fetch(`http://127.0.0.1:${instance.port}/metrics`)).text();
    for (const name of ['crebitos_billing_rows_imported_total', 'crebitos_billing_rows_duplicate_total', 'crebitos_billing_rows_invalid_total', 'crebitos_billing_uploads_refused_total', 'crebitos_billing_uploads_in_progress', 'crebitos_billing_event_streams', 'crebitos_billing_emails_pending']) {
      assert.match(metrics, new RegExp(`^${name} \\d+`, 'm'), name);
    }
  }
  const total = async (name: string) => {
    let sum = 0;
    for (const instance of env.stack.instances) sum += Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`http://127.0.0.1:${instance.port}/metrics`)).text())![1]);
    return sum;
  };
  assert.ok((await total('crebitos_billing_rows_imported_total')) >= 10);
  assert.ok((await total('crebitos_billing_rows_invalid_total')) >= 3);
  assert.ok((await total('crebitos_billing_uploads_refused_total')) >= 3);
});
