// `npm run loadtest`: the official Rinha de Backend 2024 Q1 stress test, re-created.
// Warm-up (like the official runner's readiness curls), validation phase, open-model load phase,
// then the terminal summary, results.json and a self-contained index.html.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { optionsOrExit } from '../../kit/cli.js';
import { pollUntil } from '../../kit/poll.js';
import { fmtInt, fmtMs } from './format.js';
import { OneShotClient, parseTarget, resolveTarget } from './http-client.js';
import { plannedLoad, runLoadPhase, type LoadProgress } from './load-phase.js';
import { HELP, parseOptions } from './options.js';
import { renderHtmlReport } from './report-html.js';
import { paint, renderTerminalReport } from './report-terminal.js';
import { buildResults, strictFailures } from './results.js';
import { RequestTemplates } from './scenarios.js';
import { call, runValidation, type ValidationResult } from './validation.js';

/** The official runner polls GET /clientes/1/extrato for up to 40 s before starting Gatling. */
const READY_WITHIN_MS = 40000;

async function main(argv: readonly string[]): Promise<number> {
  const opts = optionsOrExit(() => parseOptions(argv), HELP);
  const p = paint(process.stdout.isTTY === true);
  const say = (line: string): void => void process.stdout.write(line + '\n');

  const target = await resolveTarget(parseTarget(opts.url));
  const client = new OneShotClient(target, opts.timeoutMs, opts.maxInFlight);
  const templates = new RequestTemplates(target.hostHeader);
  const abort = new AbortController();
  process.on('SIGINT', () => {
    if (abort.signal.aborted) process.exit(130);
    say(p.yellow('\ninterrupted: stopping arrivals and aborting outstanding requests (Ctrl-C again to quit at once)'));
    abort.abort();
  });

  const planned = plannedLoad(opts.scale, opts.rampS, opts.holdS);
  say(p.bold(`Load test against ${opts.url} (${target.host}:${target.port})`));
  say(`  ${fmtInt(planned.requests)} load requests over ${planned.durationS} s (ramp ${opts.rampS} s + hold ${opts.holdS} s, scale ${opts.scale}), one new connection each`);

  const probe = new OneShotClient(target, Math.min(opts.timeoutMs, 5000), 10);
  const ready = await waitUntilReady(probe, templates, say);
  probe.close();
  if (!ready) {
    client.close();
    say(p.red(`the API at ${opts.url} did not answer GET /clientes/1/extrato with 200 within ${READY_WITHIN_MS / 1000} s; nothing was measured`));
    return 2;
  }

  const startedAt = new Date();
  let validation: ValidationResult | null = null;
  if (!opts.skipValidation) {
    say('validation phase...');
    validation = await runValidation(client, templates, opts.timeoutMs);
    const sent = validation.log.count === validation.checks.length ? '' : ` (${validation.log.count} sent before the phase deadline)`;
    const msg = `  ${validation.checks.length} validation requests${sent} in ${fmtMs(validation.durationMs)} ms, ${validation.failures} failed`;
    say(validation.failures === 0 ? p.green(msg) : p.red(msg));
  }

  say('load phase...');
  const load = await runLoadPhase(client, templates, {
    scale: opts.scale,
    rampS: opts.rampS,
    holdS: opts.holdS,
    timeoutMs: opts.timeoutMs,
    signal: abort.signal,
    onProgress: (x) => say(progressLine(x)),
    progressEveryMs: planned.durationS > 60 ? 10000 : 2000,
  });
  client.close();
  const finishedAt = new Date();

  const results = buildResults(opts, startedAt, finishedAt, validation, load);
  await mkdir(opts.outDir, { recursive: true });
  const jsonPath = path.join(opts.outDir, 'results.json');
  const htmlPath = path.join(opts.outDir, 'index.html');
  await writeFile(jsonPath, JSON.stringify(results, jsonReplacer, 2) + '\n');
  await writeFile(htmlPath, renderHtmlReport(results));

  say('');
  say(renderTerminalReport(results, p));
  say('');
  say(`reports: ${htmlPath}  ${jsonPath}`);

  if (opts.strict) {
    const failures = strictFailures(results);
    if (failures.length > 0) {
      say(p.red(`--strict: failing because ${failures.join('; ')}`));
      return 1;
    }
  }
  return 0;
}

function progressLine(x: LoadProgress): string {
  const t = `${x.elapsedS.toFixed(0).padStart(4)}s/${x.plannedS}s`;
  return (
    `  [${t}] sent ${fmtInt(x.issued)}/${fmtInt(x.planned)}  done ${fmtInt(x.completed)}` +
    `  in flight ${fmtInt(x.inFlight)}  KO ${fmtInt(x.ko)}  max send lag ${fmtMs(x.recentMaxLagMs)} ms`
  );
}

/** Two 200s from the statement of client 1 (one per API instance behind the balancer). */
async function waitUntilReady(client: OneShotClient, templates: RequestTemplates, say: (s: string) => void): Promise<boolean> {
  let good = 0;
  let warned = false;
  const probe = async (): Promise<boolean> => {
    // A 200 is followed by the next request at once; anything else waits a second.
    for (;;) {
      const reply = await call(client, templates.statement(1));
      if (reply.status !== 200) {
        if (!warned) say(`  waiting for the API (${reply.error ?? `HTTP ${reply.status}`})...`);
        warned = true;
        return false;
      }
      if (++good >= 2) return true;
    }
  };
  return (await pollUntil(probe, { timeoutMs: READY_WITHIN_MS, intervalMs: 1000 })) === true;
}

/** NaN/Infinity are not JSON: write them as null. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`loadtest failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
