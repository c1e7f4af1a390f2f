// A real headless browser for the console's tests and npm run screenshot: Debian's chromium (installed by .ci/run with
// apt; puppeteer-core never downloads one) driven by puppeteer-core. Screenshots go to
// test-artifacts/ (git-ignored), kept after the run for a person to look at.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

// Callbacks run inside the page (page.evaluate, waitForFunction) see the browser's globals; this
// compilation has Node's types only (the DOM library would change fetch's types for every file).
declare const document: any;

/** CHROMIUM_PATH, or where Debian's package puts it. */
export function findChromium(): string | undefined {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  return findChromium() === undefined
    ? 'chromium is not installed (apt-get install chromium; .ci/run does it): the console browser tests are skipped'
    : undefined;
}

export const ARTIFACTS_DIR = path.resolve(new URL('../../test-artifacts/', import.meta.url).pathname);

export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error(browserSkipReason());
  return puppeteer.launch({
    executablePath,
    headless: true,
    // --no-sandbox: the tests run as root, where chromium's sandbox refuses to start.
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
    timeout: 30_000,
    protocolTimeout: 60_000,
  });
}

/** Saves a full-page screenshot as <dir>/<name>.png (dir relative to test-artifacts/) and returns its path. */
export async function saveScreenshot(page: Page, dir: string, name: string): Promise<string> {
  const folder = path.resolve(ARTIFACTS_DIR, dir);
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${name}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  return file;
}

/**
 * Everything the page reported that a person would call an error: uncaught exceptions, console
 * errors, failed requests, CSP violations. The tests assert it stays empty.
 */
export function collectPageProblems(page: Page, ignore: (text: string) => boolean = () => false): string[] {
  const problems: string[] = [];
  const add = (text: string) => {
    if (!ignore(text)) problems.push(text);
  };
  page.on('pageerror', (error) => add(`page error: ${(error as Error).message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') add(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    // An EventSource closed by navigation or page close is not a failure.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    add(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  return problems;
}

/** True when the page is wider than its window (a horizontal scroll bar). */
export async function scrollsHorizontally(page: Page): Promise<{ scrolls: boolean; scrollWidth: number; clientWidth: number }> {
  return page.evaluate(() => {
    const { scrollWidth, clientWidth } = document.documentElement;
    return { scrolls: scrollWidth > clientWidth, scrollWidth, clientWidth };
  });
}
