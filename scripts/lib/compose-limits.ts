// Reads what docker-compose.yml says each service may use (deploy.resources.limits) and the
// runtime settings that go with those limits, so the local stack can run under the same envelope
// without Docker. Pure: text in, values out (scripts/lib/limits.ts does the cgroup side).
import { parse } from 'yaml';

/** Docker's CFS period: `--cpus` / compose `cpus` become a quota over 100 ms periods. */
export const CFS_PERIOD_US = 100_000;

/** The Rinha's budget for all services together. */
export const RINHA_MAX_CPUS = 1.5;
export const RINHA_MAX_MEMORY_BYTES = parseMemoryBytes('550MB');

export interface ServiceLimits {
  /** Service name as in docker-compose.yml (db, api01, api02, nginx). */
  readonly service: string;
  /** CPUs as written (0.5 = half a CPU). */
  readonly cpus: number;
  readonly memoryBytes: number;
  /** The memory limit as written in the file, e.g. "100MB". */
  readonly memoryText: string;
}

export class ComposeLimitsError extends Error {
  override name = 'ComposeLimitsError';
}

/**
 * A compose memory size in bytes, parsed as compose does: compose-go's UnitBytes takes a plain
 * integer as bytes, anything else through docker/go-units RAMInBytes, which is binary (1024-based)
 * and case-insensitive, with an optional `i` and `b`: "100MB" = "100m" = "100MiB" = 100 * 2^20.
 * Fractions are allowed ("0.5g") and truncated to whole bytes, like Go's int64() conversion.
 */
export function parseMemoryBytes(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') throw new ComposeLimitsError(`memory must be a string like "100MB", got ${JSON.stringify(value)}`);
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text.trim());
  if (match === null) throw new ComposeLimitsError(`memory "${text}" is not a size like 100MB, 512m or 1GiB`);
  const power = match[2] === undefined ? 0 : 'kmgtp'.indexOf(match[2].toLowerCase()) + 1;
  const bytes = Math.trunc(Number(match[1]) * 1024 ** power);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new ComposeLimitsError(`memory "${text}" must be a positive size`);
  return bytes;
}

/** Compose `cpus`: a positive decimal number (string or number), at most the machine's CPUs is the user's business. */
export function parseCpus(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d+(\.\d+)?$/.test(text.trim())) {
    throw new ComposeLimitsError(`cpus must be a decimal number like "0.5", got ${JSON.stringify(value)}`);
  }
  const cpus = Number(text);
  if (!(cpus > 0)) throw new ComposeLimitsError(`cpus must be above 0, got ${JSON.stringify(value)}`);
  return cpus;
}

/**
 * CFS quota for a CPU share, as dockerd computes it from NanoCPUs: quota = nanoCPUs * period / 1e9
 * (integer division). The kernel refuses quotas below 1 ms.
 */
export function cfsQuotaUs(cpus: number, periodUs = CFS_PERIOD_US): number {
  const nanoCpus = Math.round(cpus * 1e9);
  const quota = Math.floor((nanoCpus * periodUs) / 1e9);
  if (quota < 1000) throw new ComposeLimitsError(`cpus ${cpus} is below the kernel's 1 ms minimum quota per ${periodUs} us period`);
  return quota;
}

function parseCompose(text: string): { services: Record<string, Record<string, unknown>> } {
  let document: unknown;
  try {
    // Merge keys (`<<: *api`) are how the compose file shares the API's settings.
    document = parse(text, { merge: true });
  } catch (error) {
    throw new ComposeLimitsError(`docker-compose.yml is not valid YAML: ${(error as Error).message}`);
  }
  const services = (document as { services?: unknown } | null)?.services;
  if (services === null || typeof services !== 'object') throw new ComposeLimitsError('docker-compose.yml has no services');
  return { services: services as Record<string, Record<string, unknown>> };
}

/**
 * The limits of every service, in file order. Every service must declare both `cpus` and
 * `memory`: a service without them would run unlimited, which is exactly what --limits must not
 * hide.
 */
export function parseComposeLimits(text: string): ServiceLimits[] {
  const { services } = parseCompose(text);
  const result: ServiceLimits[] = [];
  for (const [service, definition] of Object.entries(services)) {
    const limits = (definition?.deploy as { resources?: { limits?: Record<string, unknown> } } | undefined)?.resources?.limits;
    if (limits === undefined || limits === null) throw new ComposeLimitsError(`service ${service} has no deploy.resources.limits`);
    if (limits.cpus === undefined) throw new ComposeLimitsError(`service ${service} has no deploy.resources.limits.cpus`);
    if (limits.memory === undefined) throw new ComposeLimitsError(`service ${service} has no deploy.resources.limits.memory`);
    try {
      result.push({ service, cpus: parseCpus(limits.cpus), memoryBytes: parseMemoryBytes(limits.memory), memoryText: String(limits.memory) });
    } catch (error) {
      throw new ComposeLimitsError(`service ${service}: ${(error as Error).message}`);
    }
  }
  if (result.length === 0) throw new ComposeLimitsError('docker-compose.yml declares no service');
  return result;
}

/** Problems with the Rinha's budget (1.5 CPU, 550MB in all); empty when within it. */
export function budgetProblems(limits: readonly ServiceLimits[]): string[] {
  const cpus = limits.reduce((sum, l) => sum + l.cpus, 0);
  const memory = limits.reduce((sum, l) => sum + l.memoryBytes, 0);
  const problems: string[] = [];
  // Compared in thousandths: 0.1 + 0.2 must not exceed 0.3.
  if (Math.round(cpus * 1000) > Math.round(RINHA_MAX_CPUS * 1000)) problems.push(`${cpus} CPUs in all, above the Rinha's ${RINHA_MAX_CPUS}`);
  if (memory > RINHA_MAX_MEMORY_BYTES) problems.push(`${memory} bytes in all, above the Rinha's 550MB (${RINHA_MAX_MEMORY_BYTES} bytes)`);
  return problems;
}

/** What compose gives a service at run time that changes how it lives inside its limits. */
export interface ComposeRuntime {
  /**
   * Environment of the API service (e.g. NODE_OPTIONS=--max-old-space-size, DB_POOL_SIZE), without
   * what the local stack decides itself (HOST, PORT, DATABASE_URL, REUSE_PORT).
   */
  readonly apiEnv: Record<string, string>;
  /** `-c name=value` settings of the database service's command (e.g. shared_buffers). */
  readonly postgresSettings: Record<string, string>;
}

const STACK_OWNED_ENV = new Set(['HOST', 'PORT', 'DATABASE_URL', 'REUSE_PORT']);

/** The runtime settings of `apiService` and `dbService` (both optional in the file). */
export function parseComposeRuntime(text: string, apiService = 'api01', dbService = 'db'): ComposeRuntime {
  const { services } = parseCompose(text);
  const apiEnv: Record<string, string> = {};
  const environment = services[apiService]?.environment;
  const entries: [string, unknown][] = Array.isArray(environment)
    ? environment.map((item) => {
        const [name, ...rest] = String(item).split('=');
        return [name!, rest.length === 0 ? undefined : rest.join('=')];
      })
    : Object.entries((environment as Record<string, unknown> | undefined) ?? {});
  for (const [name, value] of entries) {
    if (!STACK_OWNED_ENV.has(name) && value !== undefined && value !== null) apiEnv[name] = String(value);
  }

  const postgresSettings: Record<string, string> = {};
  const command = services[dbService]?.command;
  const words = Array.isArray(command) ? command.map(String) : typeof command === 'string' ? command.trim().split(/\s+/) : [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const setting = word === '-c' ? words[++i] : word.startsWith('--') && word.includes('=') ? word.slice(2) : undefined;
    if (setting === undefined) continue;
    const equals = setting.indexOf('=');
    if (equals <= 0) throw new ComposeLimitsError(`${dbService} command: "-c ${setting}" is not name=value`);
    postgresSettings[setting.slice(0, equals)] = setting.slice(equals + 1);
  }
  return { apiEnv, postgresSettings };
}
