// One closed-loop load run with autocannon: `connections` keep-alive connections, each sending
// its next request as soon as the previous answer arrived, for `durationS` seconds.
import { createRequire } from 'node:module';
import { MixCounter, type Kind } from './workload.js';

// autocannon ships no types; this is the part of its API we use.
export interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
}
interface AutocannonInstance {
  stop(): void;
}
type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;
/** autocannon, typed: the one binding the benchmarks share. */
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadResult {
  connections: number;
  durationS: number;
  responses: number;
  throughputRps: number;
  /** autocannon's histogram, whole milliseconds; every answer counts, whatever its status. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCounts: Record<string, number>;
  /** Answers other than 200 and 422, plus socket errors and timeouts. */
  errors: number;
  socketErrors: number;
  timeouts: number;
  sent: Record<Kind, number>;
  /** CPU the load generator (this process) used, in % of one core: near 100 it is the bottleneck. */
  generatorCpuPercent: number;
}

export const OK_STATUSES = new Set(['200', '422']);

let current: AutocannonInstance | undefined;

/** Stops the run in progress (Ctrl-C); its promise still resolves with what was measured. */
export function stopLoad(): void {
  current?.stop();
}

export function runLoad(url: string, connections: number, durationS: number): Promise<LoadResult> {
  const mix = new MixCounter();
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    current = autocannon(
      {
        url,
        connections,
        duration: durationS,
        pipelining: 1,
        timeout: 10,
        requests: [mix.autocannonRequest()],
      },
      (error, result) => {
        current = undefined;
        if (error) return reject(error);
        const cpu = process.cpuUsage(cpuBefore);
        const wallUs = Number(process.hrtime.bigint() - started) / 1000;
        const statusCounts: Record<string, number> = {};
        let responses = 0;
        let bad = 0;
        for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
          statusCounts[status] = count;
          responses += count;
          if (!OK_STATUSES.has(status)) bad += count;
        }
        const { p50, p90, p99, max, mean } = result.latency;
        resolve({
          connections,
          durationS: result.duration,
          responses,
          throughputRps: Math.round(responses / result.duration),
          latencyMs: { p50, p90, p99, max, mean },
          statusCounts,
          errors: bad + result.errors,
          socketErrors: result.errors - result.timeouts,
          timeouts: result.timeouts,
          sent: { ...mix.sent },
          generatorCpuPercent: Math.round(((cpu.user + cpu.system) / wallUs) * 100),
        });
      },
    );
  });
}
