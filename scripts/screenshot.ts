// `npm run screenshot`: the README's pictures of the console, taken the way a person would see
// them. Starts its own throwaway stack (embedded Postgres in a temporary folder, two instances,
// nginx when installed, a worker and the local SMTP server when the billing module has them),
// puts a little life in it (credits and debits; a small billing CSV with one invalid row),
// then photographs the pages with Debian's chromium into docs/.
// Usage: npm run screenshot
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser } from '../kit/browser.js';
import { freePort } from './lib/ports.js';
import { Stack } from './lib/stack.js';

// Callbacks run inside the page (page.evaluate, waitForFunction) see the browser's globals; this
// compilation has Node's types only (the DOM library would change fetch's types for every file).
declare const document: any;
type HTMLElement = any;

const DOCS = path.resolve(new URL('../../docs/', import.meta.url).pathname);

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'crebitos-screenshot-'));
  const port = await freePort();
  process.stderr.write(`starting a throwaway stack on port ${port}\n`);
  const stack = await Stack.start({ port, dataDir, apiEnv: { LOG_LEVEL: 'warn', BILLING_POLL_MS: '100' }, mockServices: true, smtpSink: true, workers: 1, onLog: () => {} });
  const browser = await launchBrowser();
  try {
    const url = stack.url;
    const moves: [number, number, 'c' | 'd', string][] = [
      [1, 150000, 'c', 'salario'], [2, 4990, 'd', 'mercado'], [3, 250000, 'c', 'aporte'], [1, 12000, 'd', 'luz'],
      [4, 99900, 'c', 'venda'], [5, 3500, 'd', 'cafe'], [2, 60000, 'c', 'pix'], [1, 8000, 'd', 'internet'],
    ];
    for (const [id, valor, tipo, descricao] of moves) {
      await fetch(`${url}/clientes/${id}/transacoes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ valor, tipo, descricao }) });
    }
    // Pix messages waiting for a receiver's stream.
    await fetch(`${url}/api/util/msgs/32074986/25`, { method: 'POST' });
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 800 });
    await page.goto(`${url}/console/ledger`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => document.querySelectorAll('#transactions-table tbody tr').length === 8, { timeout: 15_000 });
    await page.screenshot({ path: path.join(DOCS, 'console-ledger.png') as `${string}.png`, fullPage: true });

    // A small file of debts, one of them invalid, uploaded through the page's form.
    const rows = ['Ana Souza,12345678901,ana@example.com,1500.00,2026-03-15', 'Bruno Lima,23456789012,bruno@example.com,320.50,2026-03-20',
      'Carla Dias,34567890123,carla@example.com,89.90,2026-04-01', 'Davi Melo,45678901234,davi@example.com,doze,2026-04-10'];
    const csvText = ['name,governmentId,email,debtAmount,debtDueDate,debtId', ...rows.map((row) => `${row},${randomUUID()}`)].join('\n') + '\n';
    const csvPath = path.join(dataDir, 'debts-march.csv');
    await writeFile(csvPath, csvText);
    await page.goto(`${url}/`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => (document.getElementById('files-live') as HTMLElement).dataset.state === 'live', { timeout: 15_000 });
    await (await page.$('#file'))!.uploadFile(csvPath);
    await page.click('#upload-button');
    await page.waitForFunction(() => document.querySelector('#files-table tbody tr[data-status="done"]') !== null, { timeout: 60_000 });
    await page.screenshot({ path: path.join(DOCS, 'console.png') as `${string}.png`, fullPage: true });
    await page.click('#files-table tbody tr a');
    await page.waitForFunction(() => document.getElementById('file-status')?.dataset.status === 'done', { timeout: 15_000 });
    await page.screenshot({ path: path.join(DOCS, 'console-file.png') as `${string}.png`, fullPage: true });
    process.stderr.write(`wrote ${path.join(DOCS, 'console.png')}, console-file.png and console-ledger.png\n`);
  } finally {
    await browser.close();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`screenshot failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
