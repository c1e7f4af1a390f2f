// `npm run bench:billing`: part F's figures on the local stack (nginx, two API instances, one
// worker, the local SMTP server, an embedded Postgres in a temporary folder):
// 1. the reference file (1.1 million rows, ~120 MB, generated into a temporary folder) uploaded
//    through nginx as text/csv, streamed from disk, until the answer (every row committed);
//    target <= 10 s;
// 2. boletos: until every imported debt has its payment line, from the upload's start; target
//    <= 30 s;
// 3. e-mails handed to the local SMTP server per second, measured over --email-window seconds
//    once sending runs (a full 1.1M-e-mail run takes minutes); target >= 2,000/s;
// 4. the peak RSS of each API instance during the upload (sampled every 20 ms); target < 100 MB.
// Also the machine's steal time over the run (/proc/stat): on a shared host, figures are noisy.
// Usage: npm run bench:billing [-- --rows 1100000 --email-window 20 --smtp-connections 48]
// Bounded: a watchdog stops the run after 15 minutes.
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { integerFlag, optionsOrExit, parseFlags, secondsFlag } from '../kit/cli.js';
import { processCpuTicks, processTreeCpuTicks, readCpuTimes, stealPercent, USER_HZ } from '../kit/proc-stat.js';
import { textTable } from '../kit/table.js';
import { freePort } from '../scripts/lib/ports.js';
import { Stack } from '../scripts/lib/stack.js';
import { REFERENCE_ROWS, writeDebtsCsv } from './billing-csv.js';
import { loadConfig } from '../src/config.js';
import { formatMeta, runMeta } from './run-meta.js';

const HELP = 'Usage: npm run bench:billing [-- --rows 1100000 --email-window 20 --smtp-connections 48]\n';
const flags = optionsOrExit(() => {
  const values = parseFlags(process.argv.slice(2), {
    rows: { type: 'string' },
    'email-window': { type: 'string' },
    'smtp-connections': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  return {
    rows: integerFlag('rows', values.rows, REFERENCE_ROWS, { min: 1, max: 5_000_000 }),
    emailWindowS: secondsFlag('email-window', values['email-window'], 20, { min: 1, max: 600 }),
    // The worker's own default unless given.
    smtpConnections: integerFlag('smtp-connections', values['smtp-connections'], loadConfig({ DATABASE_URL: 'postgres://127.0.0.1/unused' }).billing.smtpConnections, { min: 1, max: 256 }),
    help: values.help ?? false,
  };
}, HELP);

function log(message: string): void {
  process.stderr.write(`[bench:billing] ${message}\n`);
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function upload(port: number, file: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/billings/csv/upload', headers: { 'content-type': 'text/csv', 'content-length': size } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(request);
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const meta = runMeta();
  const watchdog = setTimeout(() => {
    log('watchdog: the run took too long, stopping');
    process.exit(3);
  }, 15 * 60_000);
  watchdog.unref();
  const dir = await mkdtemp(path.join(tmpdir(), 'crebitos-bench-billing-'));
  const file = path.join(dir, 'debts.csv');
  log(`writing ${flags.rows} rows to ${file}`);
  const size = await writeDebtsCsv(file, flags.rows);
  log(`${(size / 1e6).toFixed(1)} MB written; starting the stack`);
  const port = await freePort();
  let imported: { copyMs: number; mergeMs: number; commitMs: number } | undefined;
  const stack = await Stack.start({
    port,
    dataDir: dir,
    loadBalancer: 'nginx',
    workers: 1,
    smtpSink: true,
    // info: the instance logs each import's phases (nothing is logged per request at info).
    apiEnv: { LOG_LEVEL: 'info', BILLING_SMTP_CONNECTIONS: String(flags.smtpConnections) },
    onLog: (source, line) => {
      if (line.includes('"billing file imported"')) imported = JSON.parse(line) as typeof imported;
      else if (/"level":"(warn|error)"/.test(line) && !line.includes('worker delivers no notifications')) process.stderr.write(`[${source}] ${line}\n`);
    },
  });
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const cpuBefore = await readCpuTimes();
    const idle = await Promise.all(stack.instances.map((i) => rssMiB(i.pid!)));
    const peak = [...idle];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await Promise.all(stack.instances.map(async (instance, i) => {
          peak[i] = Math.max(peak[i]!, await rssMiB(instance.pid!).catch(() => 0));
        }));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    log('uploading');
    const startedAt = performance.now();
    const answer = await upload(port, file, size);
    const uploadMs = performance.now() - startedAt;
    sampling = false;
    await sampler;
    if (answer.status !== 201) throw new Error(`upload answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    const record = JSON.parse(answer.body) as { id: string; rows: number; imported: number; invalid: number; duplicates: number };
    log(`answered 201 after ${seconds(uploadMs)}: ${record.imported} imported; waiting for the boletos`);

    let boletosMs = Number.NaN;
    let firstEmailAt = Number.NaN;
    for (;;) {
      const { rows: [f] } = await db.query<{ boletos_issued: number; emails_sent: number }>('SELECT boletos_issued, emails_sent FROM billing_files WHERE id = $1', [record.id]);
      if (Number.isNaN(firstEmailAt) && f!.emails_sent > 0) firstEmailAt = performance.now();
      if (f!.boletos_issued >= record.imported) {
        boletosMs = performance.now() - startedAt;
        break;
      }
      if (performance.now() - startedAt > 300_000) throw new Error('boletos not issued within 300 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    log(`boletos issued ${seconds(boletosMs)} after the upload's start; measuring e-mails for ${flags.emailWindowS} s`);
    // The e-mail path's three processes: the worker, the SMTP server, Postgres (postmaster and backends).
    const cpuOf = async () => Promise.all([processCpuTicks(stack.workers[0]!.pid!), processCpuTicks(stack.smtpSink!.pid!), processTreeCpuTicks(stack.postgres!.pid!)]);
    const loadAtWindowStart = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
    const cpuAtWindowStart = await cpuOf();
    const sentNow = async () => (await db.query<{ n: number }>('SELECT emails_sent AS n FROM billing_files WHERE id = $1', [record.id])).rows[0]!.n;
    const windowStart = { at: performance.now(), sent: await sentNow() };
    await new Promise((resolve) => setTimeout(resolve, flags.emailWindowS * 1000));
    const windowEnd = { at: performance.now(), sent: await sentNow() };
    const recorded = (windowEnd.sent - windowStart.sent) / ((windowEnd.at - windowStart.at) / 1000);
    const cpuAtWindowEnd = await cpuOf();
    const windowS = (windowEnd.at - windowStart.at) / 1000;
    const sentInWindow = windowEnd.sent - windowStart.sent;
    // CPU time per e-mail survives a busy host better than the rate: it is what each e-mail costs.
    const cpuShare = (i: number) => {
      const ticks = cpuAtWindowEnd[i]! - cpuAtWindowStart[i]!;
      const perEmail = sentInWindow > 0 ? `${((ticks * 1_000_000) / USER_HZ / sentInWindow).toFixed(0)} us/e-mail` : 'no e-mail';
      return `${((ticks / USER_HZ / windowS) * 100).toFixed(0)}% (${perEmail})`;
    };
    const index = await readFile(path.join(stack.mailDir!, 'index.tsv'), 'utf8');
    const received = index.split('\n').filter(Boolean).length;
    const cpuAfter = await readCpuTimes();
    const steal = cpuBefore && cpuAfter ? `${stealPercent(cpuBefore, cpuAfter).toFixed(1)}%` : 'unknown';

    const rows = [
      ['upload through nginx until 201 (every row committed)', seconds(uploadMs), '<= 10 s'],
      ['  of which: streaming, parsing and COPY into staging', imported ? seconds(imported.copyMs) : '?', ''],
      ['  of which: the merge (INSERT ... SELECT of the new debts, jobs, counts)', imported ? seconds(imported.mergeMs) : '?', ''],
      ['boletos for every row, from the upload\'s start', seconds(boletosMs), '<= 30 s'],
      [`e-mails accepted by the SMTP server and recorded, per second (${flags.emailWindowS} s window)`, `${Math.round(recorded)}/s`, '>= 2,000/s'],
      ['peak RSS of an API instance during the upload', `${Math.max(...peak).toFixed(1)} MiB (idle ${Math.max(...idle).toFixed(1)})`, '< 100 MB'],
    ];
    process.stdout.write(`${formatMeta(meta, 'none (the local stack, no cgroup limits)')}\n`);
    process.stdout.write(`file: ${record.rows} rows, ${(size / 1e6).toFixed(1)} MB; imported ${record.imported}, invalid ${record.invalid}, duplicates ${record.duplicates}\n`);
    process.stdout.write(`steal during the run: ${steal}; SMTP connections: ${flags.smtpConnections}; messages the SMTP server kept: ${received}\n`);
    process.stdout.write(`load average at the e-mail window's start: ${loadAtWindowStart}\n`);
    process.stdout.write(`CPU during the e-mail window (of one core): worker ${cpuShare(0)}, SMTP server ${cpuShare(1)}, Postgres ${cpuShare(2)}\n\n`);
    process.stdout.write(`${textTable(['phase', 'measured', 'target'], rows, { align: ['left', 'right', 'right'] })}\n`);
  } finally {
    await db.end().catch(() => {});
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
