// The console in a real headless browser (Debian's chromium driven by puppeteer-core), through
// nginx and two instances: what a person sees and does. Screenshots are kept under
// test-artifacts/console/ (git-ignored).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { browserSkipReason, collectPageProblems, launchBrowser, saveScreenshot, scrollsHorizontally } from '../../../kit/browser.js';
import { csv, debt, HEADER } from '../../helpers/billing.js';
import { postTransaction } from '../../helpers/http.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

// Callbacks run inside the page (page.evaluate, waitForFunction) see the browser's globals; this
// compilation has Node's types only (the DOM library would change fetch's types for every file).
declare const document: any;
declare const getComputedStyle: any;
type HTMLElement = any;

const skip = browserSkipReason();
if (skip !== undefined) process.stderr.write(`# ${skip}\n`);

const UPLOAD_CAP = 8192;
let env: TestStack;
let browser: Browser;
let files: string;
before(async () => {
  if (skip !== undefined) return;
  // A worker and the local SMTP server, so that an uploaded file goes all the way to done; a
  // small upload cap, so that the page's answer to a 413 can be seen.
  env = await startTestStack('console_browser', { workers: 1, smtpSink: true, apiEnv: { BILLING_POLL_MS: '50', BILLING_UPLOAD_MAX_BYTES: String(UPLOAD_CAP) } });
  browser = await launchBrowser();
  files = await mkdtemp(path.join(tmpdir(), 'crebitos-console-files-'));
});
after(async () => {
  await browser?.close();
  await env?.stop();
  if (files) await rm(files, { recursive: true, force: true });
});


/** Writes a file for the page's file chooser. */
async function csvFile(name: string, content: string): Promise<string> {
  const file = path.join(files, name);
  await writeFile(file, content);
  return file;
}

/** Presses Tab until the focused element matches the selector (at most 30 times): how a keyboard user gets there. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s: string) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

// The browser reports a 4xx answer to the upload as a failed resource: expected in the error cases.
const failedResource = (text: string) => /Failed to load resource: the server responded with a status of 4\d\d/.test(text);

async function openPage(path: string, width = 1280, height = 900): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  const problems = collectPageProblems(page);
  await page.goto(`${env.url}${path}`, { waitUntil: 'domcontentloaded' });
  return { page, problems };
}


test('the ledger view shows the open accounts and follows a new credit live, without a reload', { skip }, async () => {
  const { page, problems } = await openPage('/console/ledger');
  try {
    await page.waitForFunction(() => document.querySelectorAll('#accounts-table tbody tr').length === 5, { timeout: 10_000 });
    await page.waitForFunction(() => (document.getElementById('ledger-live') as HTMLElement).dataset.state === 'live', { timeout: 10_000 });
    const saldoBefore = Number(await page.$eval('[data-account="2"] [data-saldo]', (cell) => cell.getAttribute('data-saldo')));
    assert.equal((await postTransaction(env.url, 2, { valor: 12345, tipo: 'c', descricao: 'browser' })).status, 200);
    await page.waitForFunction((expected) => document.querySelector('[data-account="2"] [data-saldo]')?.getAttribute('data-saldo') === String(expected), { timeout: 5000 }, saldoBefore + 12345);
    const newest = await page.$eval('#transactions-table tbody tr', (row) => row.textContent);
    assert.match(newest!, /#2.*credit.*123,45.*browser/s);
    assert.equal(await page.$eval('[data-figure="count"]', (cell) => cell.textContent), '0');
    await saveScreenshot(page, 'console', 'ledger');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('every console page reads on a 375-px-wide window without a horizontal scroll', { skip }, async () => {
  for (const [path, name] of [['/console/ledger', 'ledger-375px'], ['/', 'home-375px'], ['/console/files/00000000-0000-4000-8000-000000000000', 'file-375px']] as const) {
    const { page } = await openPage(path, 375, 740);
    try {
      await page.waitForFunction(() => (document.querySelector('.live-state') as HTMLElement | null)?.dataset.state !== undefined, { timeout: 10_000 });
      if (path === '/console/ledger') await page.waitForFunction(() => document.querySelectorAll('#accounts-table tbody tr').length === 5, { timeout: 10_000 });
      const width = await scrollsHorizontally(page);
      assert.equal(width.scrolls, false, `${path}: the page is ${width.scrollWidth} px wide in a ${width.clientWidth} px window`);
      await saveScreenshot(page, 'console', name);
    } finally {
      await page.close();
    }
  }
});

test('the keyboard reaches the content first through a skip link, and every control shows its focus', { skip }, async () => {
  const { page } = await openPage('/console/ledger');
  try {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    // Tabbing on from the content reaches the scrollable tables (keyboard users can scroll them).
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'region');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.equal(outline, 'solid', 'the focused element is outlined');
  } finally {
    await page.close();
  }
});


test('a CSV uploaded with the keyboard alone is previewed, sent with a progress bar, and its row reaches done with the right counts', { skip }, async () => {
  const debts = [debt(), debt(), debt()];
  const content = [
    HEADER,
    ...debts.map((d) => [d.name, d.governmentId, d.email, d.debtAmount, d.debtDueDate, d.debtId].join(',')),
    // Line 5: the second debt again (a duplicate); line 6: an amount that is no amount (invalid).
    [debts[1]!.name, debts[1]!.governmentId, debts[1]!.email, debts[1]!.debtAmount, debts[1]!.debtDueDate, debts[1]!.debtId].join(','),
    ['"Silva, Ana"', '12345678901', 'ana@example.com', 'dez reais', '2026-03-15', randomUUID()].join(','),
  ].join('\r\n') + '\r\n';
  const file = await csvFile('debts-keyboard.csv', content);
  const { page, problems } = await openPage('/');
  try {
    await page.waitForFunction(() => (document.getElementById('files-live') as HTMLElement).dataset.state === 'live', { timeout: 10_000 });
    // Keyboard only: Tab to the file picker, Space opens the file chooser.
    await tabTo(page, '#file');
    const [chooser] = await Promise.all([page.waitForFileChooser({ timeout: 10_000 }), page.keyboard.press('Space')]);
    await chooser.accept([file]);
    await page.waitForFunction(() => !(document.getElementById('preview') as HTMLElement).hidden, { timeout: 5000 });
    const preview = await page.$$eval('#preview-table tbody tr', (rows: any[]) => rows.map((row) => row.textContent));
    assert.equal(preview.length, 5);
    assert.match(preview[4]!, /Silva, Ana/, 'quoted fields are previewed as the server will read them');
    assert.equal(await page.$eval('#preview-problem', (p: any) => p.hidden), true, 'a right header raises no warning');
    await saveScreenshot(page, 'console', 'home-preview');

    await tabTo(page, '#upload-button');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /imported:/.test(document.getElementById('upload-status').textContent), { timeout: 30_000 });
    const status = await page.$eval('#upload-status', (p: any) => p.textContent);
    assert.match(status, /5 rows, 3 new debts, 1 duplicates, 1 invalid/);
    assert.equal(await page.$eval('#upload-progress', (p: any) => p.value), 100, 'the progress bar reached the end');
    assert.equal(await page.$eval('#upload-error', (p: any) => p.textContent), '');

    // The table follows the file to done by itself (server-sent events), without a reload.
    await page.waitForFunction(() => document.querySelector('#files-table tbody tr[data-status="done"]') !== null, { timeout: 60_000 });
    const row = await page.$eval('#files-table tbody tr[data-status="done"]', (tr: any) => ({
      name: tr.querySelector('th').textContent,
      counts: Object.fromEntries([...tr.querySelectorAll('[data-count]')].map((td: any) => [td.dataset.count, td.textContent])),
    }));
    assert.equal(row.name, 'debts-keyboard.csv');
    assert.deepEqual(row.counts, { rows: '5', imported: '3', duplicates: '1', invalid: '1', boletosIssued: '3', emailsSent: '3' });
    assert.match(await page.$eval('#files-changes', (p: any) => p.textContent), /debts-keyboard\.csv (is now done|was uploaded: done)\./, 'the change is announced to screen readers');
    await saveScreenshot(page, 'console', 'home-done');

    // The same bytes again: the page says it was uploaded before, and nothing new appears.
    await (await page.$('#file'))!.uploadFile(file);
    await page.click('#upload-button');
    await page.waitForFunction(() => /already uploaded/.test(document.getElementById('upload-status').textContent), { timeout: 15_000 });
    assert.match(await page.$eval('#upload-status', (p: any) => p.textContent), /nothing new was imported\. Its record: 5 rows, 3 new debts, 1 duplicates, 1 invalid\./);
    assert.equal(await page.$$eval('#files-table tbody tr', (rows: any[]) => rows.length), 1);

    // Its page, opened with the keyboard: counts per state and the invalid row with its reason.
    await tabTo(page, '#files-table tbody tr[data-status="done"] a');
    await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), page.keyboard.press('Enter')]);
    assert.match(page.url(), /\/console\/files\/[0-9a-f-]{36}$/);
    await page.waitForFunction(() => document.getElementById('file-status')?.dataset.status === 'done', { timeout: 15_000 });
    const counts = await page.$$eval('#counts-table tbody tr', (rows: any[]) => Object.fromEntries(rows.map((tr) => [tr.dataset.count, tr.querySelector('td').textContent])));
    assert.deepEqual(counts, { rows: '5', imported: '3', duplicates: '1', invalid: '1', boletosIssued: '3', emailsSent: '3', emailsFailed: '0' });
    const invalid = await page.$$eval('#invalid-table tbody tr', (rows: any[]) => rows.map((tr) => [...tr.querySelectorAll('td')].map((td: any) => td.textContent)));
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0]![0], '6', 'line 6, counting the header as line 1');
    assert.ok(invalid[0]![1]!.length > 0, 'with its reason');
    assert.equal(await page.$eval('#file-progress', (p: any) => p.value), 100);
    await saveScreenshot(page, 'console', 'file');
    const width = await scrollsHorizontally(page);
    assert.equal(width.scrolls, false);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("a refused upload is explained in words: a wrong header (the API's reason) and a file over the size limit", { skip }, async () => {
  const { page, problems } = await openPage('/');
  try {
    await page.waitForFunction(() => (document.getElementById('files-live') as HTMLElement).dataset.state === 'live', { timeout: 10_000 });
    const input = (await page.$('#file'))!;
    await input.uploadFile(await csvFile('wrong-header.csv', 'nome,cpf,email\nAna,1,a@b.c\n'));
    await page.waitForFunction(() => !(document.getElementById('preview-problem') as HTMLElement).hidden, { timeout: 5000 });
    assert.match(await page.$eval('#preview-problem', (p: any) => p.textContent), /server expects "name,governmentId,email,debtAmount,debtDueDate,debtId"/);
    await page.click('#upload-button');
    await page.waitForFunction(() => document.getElementById('upload-error').textContent !== '', { timeout: 15_000 });
    const refused = await page.$eval('#upload-error', (p: any) => p.textContent);
    assert.match(refused, /The upload of wrong-header\.csv was refused \(422\)\. The server said: “o cabeçalho do CSV deve ser/);
    assert.equal(await page.$eval('#upload-error', (p: any) => p.getAttribute('role')), 'alert');
    await saveScreenshot(page, 'console', 'home-refused');

    const big = csv(Array.from({ length: 200 }, () => debt()));
    assert.ok(big.length > UPLOAD_CAP);
    await input.uploadFile(await csvFile('too-big.csv', big));
    await page.click('#upload-button');
    await page.waitForFunction(() => /too-big/.test(document.getElementById('upload-error').textContent), { timeout: 15_000 });
    const tooBig = await page.$eval('#upload-error', (p: any) => p.textContent);
    // The API answers 413 as soon as the size is known; a browser still sending may instead see
    // the connection closed under it: either way the person reads what happened.
    assert.match(tooBig, /larger than the server accepts \(413 Payload Too Large\)|could not be reached/);
    await saveScreenshot(page, 'console', 'home-too-big');
    process.stderr.write(`# the page said: ${tooBig}\n`);
    assert.deepEqual(problems.filter((problem) => !failedResource(problem)), []);
  } finally {
    await page.close();
  }
});
