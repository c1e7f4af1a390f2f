// The console in a real headless browser (Debian's chromium driven by puppeteer-core), through
// nginx and two instances: what a person sees and does. Screenshots are kept under
// test-artifacts/console/ (git-ignored).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { browserSkipReason, collectPageProblems, launchBrowser, saveScreenshot, scrollsHorizontally } from '../../../kit/browser.js';
import { postTransaction } from '../../helpers/http.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

// Callbacks run inside the page (page.evaluate, waitForFunction) see the browser's globals; this
// compilation has Node's types only (the DOM library would change fetch's types for every file).
declare const document: any;
declare const getComputedStyle: any;
type HTMLElement = any;

const skip = browserSkipReason();
if (skip !== undefined) process.stderr.write(`# ${skip}\n`);

let env: TestStack;
let browser: Browser;
before(async () => {
  if (skip !== undefined) return;
  env = await startTestStack('console_browser');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

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

