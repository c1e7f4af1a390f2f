// `npm run bench`: closed-loop throughput and latency of the whole stack (nginx, two instances,
// Postgres) under the mixed workload of bench/workload.ts, optionally under docker-compose.yml's
// limits, optionally stepping the concurrency to find the saturation point. Prints the result
// with the commit, machine, date and command, and writes it as JSON to bench/out/.
// See bench/RESULTS.md for the figures it produced and `npm run bench -- --help` for options.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiSettingsFrom } from '../kit/api-env.js';
import { optionsOrExit } from '../kit/cli.js';
import { pollUntil } from '../kit/poll.js';
import { parseComposeRuntime, type ComposeRuntime } from '../scripts/lib/compose-limits.js';
import { applyComposeLimits, COMPOSE_FILE, type ComposeLimits, type LimitsUsage } from '../scripts/lib/limits.js';
import { freePort } from '../scripts/lib/ports.js';
import { Stack } from '../scripts/lib/stack.js';
import { summariseProfile } from './cpu-profile.js';
import { dbDelta, dbSnapshot, topStatements } from './db-stats.js';
import { machineBusySeconds, waitForIdle } from './machine-cpu.js';
import { runLoad, stopLoad } from './load.js';
import { BENCH_API_SETTINGS, HELP, MAX_ANALYZE_WAIT_S, parseOptions, type BenchOptions } from './options.js';
import { formatMeta, runMeta } from './run-meta.js';
import { formatServiceCpu, formatSteps, isSkewed, pickSaturation, serviceCpu, type Step } from './saturation.js';
import { MIX } from './workload.js';

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function waitForApi(url: string, timeoutMs: number): Promise<void> {
  const up = await pollUntil(
    async () => {
      try {
        const response = await fetch(`${url}/clientes/1/extrato`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        return response.status === 200;
      } catch {
        return false; // not up yet
      }
    },
    { timeoutMs, intervalMs: 250 },
  );
  if (!up) throw new Error(`no 200 from ${url}/clientes/1/extrato within ${timeoutMs} ms`);
}

async function composeRuntime(file: string): Promise<ComposeRuntime | undefined> {
  if (!existsSync(file)) return undefined;
  return parseComposeRuntime(await readFile(file, 'utf8'));
}

async function main(options: BenchOptions): Promise<number> {
  const meta = runMeta();
  const stamp = meta.date.replace(/\.\d+Z$/, '').replace(/:/g, '-');
  const outDir = path.resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const profileDir = path.join(outDir, `profile-${stamp}`);

  // Bound the whole run: steps, warm-up, start and stop, with a generous margin.
  const steps = options.findSaturation ? options.steps : [options.connections];
  const attempts = options.waitIdleS > 0 ? 3 : 1;
  const boundS = options.warmupS + MAX_ANALYZE_WAIT_S + steps.length * attempts * (options.durationS + 15 + options.waitIdleS) + options.waitIdleS + 240;
  const watchdog = setTimeout(() => {
    log(`still running after ${boundS} s: giving up`);
    void shutdown().finally(() => process.exit(3));
  }, boundS * 1000);
  watchdog.unref();

  let limits: ComposeLimits | undefined;
  let stack: Stack | undefined;
  let workDir: string | undefined;
  const apiLogs: string[] = [];
  let shutdownDone: Promise<LimitsUsage | undefined> | undefined;
  const shutdown = (): Promise<LimitsUsage | undefined> =>
    (shutdownDone ??= (async () => {
      stopLoad();
      await stack?.stop().catch((error: Error) => log(`stopping the stack: ${error.message}`));
      // Read after the stop: the peaks cover the whole run, start-up to drain.
      const usage = await limits?.usage();
      if (limits) process.stderr.write(`${await limits.report()}\n`);
      await limits?.cleanup().catch((error: Error) => log(error.message));
      if (workDir) await rm(workDir, { recursive: true, force: true });
      return usage;
    })());
  const onSignal = (signal: string) => {
    log(`${signal}: stopping`);
    void shutdown().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));

  const composeFile = options.compose === undefined ? COMPOSE_FILE : path.resolve(options.compose);
  let runtime: ComposeRuntime | undefined;
  let stackApiEnv: Record<string, string> | undefined;
  let url = options.url;
  try {
    if (url === undefined) {
      runtime = await composeRuntime(composeFile);
      if (options.limits) {
        limits = await applyComposeLimits(composeFile);
        for (const problem of limits.budgetProblems) log(`warning: docker-compose.yml is over the Rinha budget: ${problem}`);
      } else if (existsSync(composeFile)) {
        // No limits, but cgroups that only account, so the run still says who used the CPU.
        limits = await applyComposeLimits(composeFile, { enforce: false }).catch((error: Error) => {
          log(`no per-service accounting (${error.message}); running without`);
          return undefined;
        });
      }
      workDir = await mkdtemp(path.join(tmpdir(), 'crebitos-bench-'));
      // Compose's runtime settings with and without limits, so that only the cgroups differ.
      // The same API settings `npm start` passes through win over compose's (to try a setting),
      // but LOG_LEVEL: the instances log at warn, whose lines this run collects and counts.
      const apiEnv: Record<string, string> = { ...runtime?.apiEnv, ...apiSettingsFrom(process.env, BENCH_API_SETTINGS), LOG_LEVEL: 'warn' };
      stackApiEnv = apiEnv;
      const postgresSettings: Record<string, string> = { ...runtime?.postgresSettings };
      if (options.profile) {
        postgresSettings.shared_preload_libraries = 'pg_stat_statements';
        postgresSettings['pg_stat_statements.track'] = 'all';
        postgresSettings.track_wal_io_timing = 'on';
      }
      log(`starting the stack${limits?.enforced ? ` under limits (cgroup v${limits.cgroupVersion} at ${limits.location})` : ''}`);
      // node refuses --cpu-prof in NODE_OPTIONS: it goes on the instances' command line.
      const profiled = (service: string, command: string, args: string[]) =>
        options.profile && service.startsWith('api') ? { command, args: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...args] } : { command, args };
      stack = await Stack.start({
        port: await freePort(),
        dataDir: workDir,
        apiEnv,
        postgresSettings,
        onLog: (source, line) => apiLogs.push(`[${source}] ${line}`),
        wrapCommand: (service, command, args, user) => {
          const inner = profiled(service, command, args);
          return limits ? limits.wrapCommand(service, inner.command, inner.args, user) : inner;
        },
      });
      url = stack.url;
      if (stack.loadBalancer !== 'nginx') log('nginx is not installed: the instances share the port through SO_REUSEPORT (not the compose topology)');
    }
    await waitForApi(url, 30_000);

    const limitsText = options.url
      ? 'unknown (external stack at --url)'
      : limits?.enforced
        ? `on: ${limits.services.map((s) => `${s.service} ${s.cpus} CPU/${s.memoryText}`).join(', ')} (cgroup v${limits.cgroupVersion}` +
          `${options.compose === undefined ? '' : `, from ${options.compose}, not docker-compose.yml`})`
        : `off (the stack and the load generator share every core${limits ? '; cgroups only account per service' : ''})`;
    process.stdout.write(`${formatMeta(meta, limitsText)}\n`);
    process.stdout.write(
      `workload: closed loop, keep-alive, debits : credits : statements = ${MIX.debit} : ${MIX.credit} : ${MIX.statement}, clients 1-5, valor 1..10000; ` +
        `${options.durationS} s per ${options.findSaturation ? 'step' : 'run'}, ${options.warmupS} s warm-up\n`,
    );

    const waitIdle = async (what: string) => {
      if (options.waitIdleS <= 0) return;
      const { waitedS, idle } = await waitForIdle(options.waitIdleS);
      if (waitedS > 2 || !idle) log(`${what}: ${idle ? `waited ${waitedS} s for an idle machine` : `machine still busy after ${waitedS} s; going ahead`}`);
    };
    if (options.warmupS > 0) {
      await waitIdle('warm-up');
      const warmConnections = steps[Math.min(2, steps.length - 1)]!;
      const warm = await runLoad(url, warmConnections, options.warmupS);
      log(`warm-up: ${warm.throughputRps} req/s at ${warm.connections} connections, p99 ${warm.latencyMs.p99} ms, ${warm.errors} errors`);
      if (stack && !options.cold) {
        let waited = options.warmupS;
        while (!(await dbSnapshot(stack.databaseUrl))?.transacoesAnalyzed && waited < MAX_ANALYZE_WAIT_S && !shutdownDone) {
          await runLoad(url, warmConnections, 5);
          waited += 5;
        }
        const analyzed = (await dbSnapshot(stack.databaseUrl))?.transacoesAnalyzed;
        log(analyzed ? `warm-up: transacoes analyzed after ${waited} s of load` : `warm-up: transacoes still not analyzed after ${waited} s; measuring anyway`);
      }
    }
    const results: Step[] = [];
    const measureStep = async (connections: number): Promise<Step> => {
      const before = stack ? await dbSnapshot(stack.databaseUrl) : undefined;
      const usageBefore = await limits?.usage();
      const busyBefore = await machineBusySeconds();
      const result = await runLoad(url!, connections, options.durationS);
      const busyAfter = await machineBusySeconds();
      const usageAfter = await limits?.usage();
      const after = stack ? await dbSnapshot(stack.databaseUrl) : undefined;
      const step: Step = { ...result, db: dbDelta(before, after) };
      if (usageBefore && usageAfter) step.serviceCpu = serviceCpu(usageBefore, usageAfter, result.durationS);
      if (busyBefore !== undefined && busyAfter !== undefined) {
        const round = (value: number) => Math.round(value * 100) / 100;
        const busy = (busyAfter - busyBefore) / result.durationS;
        const stackCpus = step.serviceCpu ? Object.values(step.serviceCpu).reduce((sum, u) => sum + u.cpus, 0) : undefined;
        const generator = result.generatorCpuPercent / 100;
        step.machineCpus = {
          busy: round(busy),
          stack: stackCpus === undefined ? undefined : round(stackCpus),
          generator: round(generator),
          other: stackCpus === undefined ? undefined : round(Math.max(0, busy - stackCpus - generator)),
        };
      }
      log(`${connections} connections: ${result.throughputRps} req/s, p50 ${result.latencyMs.p50} / p99 ${result.latencyMs.p99} / max ${result.latencyMs.max} ms, ${result.errors} errors`);
      const cpuLines = formatServiceCpu(step, limits?.enforced ?? false);
      if (cpuLines) log(`  ${cpuLines}`);
      return step;
    };
    for (const connections of steps) {
      // With --wait-idle, a step that other work skewed anyway is measured again (twice at most).
      let step: Step | undefined;
      for (let attempt = 1; attempt <= (options.waitIdleS > 0 ? 3 : 1) && !shutdownDone; attempt++) {
        await waitIdle(`${connections} connections`);
        step = await measureStep(connections);
        step.attempts = attempt;
        if (!isSkewed(step)) break;
        if (attempt < 3 && options.waitIdleS > 0) log(`  measuring ${connections} connections again`);
      }
      if (step) results.push(step);
      if (shutdownDone) break;
    }
    process.stdout.write(`\n${formatSteps(results, options.p99MaxMs)}\n`);
    const best = options.findSaturation ? pickSaturation(results, options.p99MaxMs) : undefined;
    if (options.findSaturation) {
      process.stdout.write(
        best
          ? `\nsaturation: ${best.throughputRps} req/s at ${best.connections} connections (p99 ${best.latencyMs.p99} ms < ${options.p99MaxMs} ms, 0 errors)\n`
          : `\nsaturation: no step had p99 < ${options.p99MaxMs} ms with zero errors\n`,
      );
    }

    let statements: Awaited<ReturnType<typeof topStatements>> | undefined;
    if (options.profile && stack) statements = await topStatements(stack.databaseUrl);

    const usage = await shutdown();
    const warnings = apiLogs.filter((line) => /"level":"(warn|error)"/.test(line));
    if (warnings.length > 0) log(`the instances logged ${warnings.length} warnings or errors, e.g.:\n  ${warnings.slice(0, 5).join('\n  ')}`);

    let profiles: { file: string; totalMs: number; top: { fn: string; ms: number; percent: number }[] }[] | undefined;
    if (options.profile) {
      profiles = [];
      for (const file of (await readdir(profileDir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'))) {
        profiles.push({ file: path.join(profileDir, file), ...(await summariseProfile(path.join(profileDir, file), 25)) });
      }
      for (const profile of profiles) {
        process.stdout.write(`\ncpu profile ${profile.file} (${profile.totalMs} ms sampled), top self time:\n`);
        for (const entry of profile.top) process.stdout.write(`  ${String(entry.percent).padStart(5)}%  ${String(entry.ms).padStart(6)} ms  ${entry.fn}\n`);
      }
      if (typeof statements === 'string') process.stdout.write(`\n${statements}\n`);
      else if (statements) {
        process.stdout.write('\npg_stat_statements, top by total time:\n');
        for (const s of statements) process.stdout.write(`  ${String(s.totalMs).padStart(7)} ms  ${String(s.calls).padStart(8)} calls  ${String(s.meanMs).padStart(8)} ms/call  ${s.query}\n`);
      }
    }

    const file = path.join(outDir, `bench-${stamp}${options.findSaturation ? '-saturation' : ''}${options.limits ? '-limits' : ''}.json`);
    const json = {
      meta,
      limits: limits?.enforced
        ? { on: true, cgroupVersion: limits.cgroupVersion, services: limits.services }
        : { on: false, external: options.url !== undefined, accounting: limits !== undefined },
      options,
      workload: { mix: MIX, clients: [1, 5], valor: [1, 10000], closedLoop: true, keepAlive: true },
      runtime,
      apiEnv: stackApiEnv,
      loadBalancer: stack?.loadBalancer,
      steps: results,
      saturation: options.findSaturation ? (best ? { throughputRps: best.throughputRps, connections: best.connections, latencyMs: best.latencyMs } : null) : undefined,
      usage,
      profiles,
      statements,
      warnings: warnings.slice(0, 50),
    };
    await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`\nresult: ${path.relative(process.cwd(), file)}\n`);
    return 0;
  } catch (error) {
    await shutdown();
    throw error;
  } finally {
    clearTimeout(watchdog);
  }
}

const options = optionsOrExit(() => parseOptions(process.argv.slice(2)), HELP);
main(options).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
