// The cluster's fault tests share this: a Patroni/etcd/HAProxy cluster of their own (skipped,
// saying why, only when Debian's binaries are missing; CI installs them), API instances behind
// nginx pointed at HAProxy, and the mixed keyed/un-keyed load whose every answer is recorded.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLUSTER_API_ENV, missingClusterBinaries, PostgresCluster } from '../../scripts/lib/cluster.js';
import { ensureDatabase } from '../../scripts/lib/stack.js';
import { request } from './http.js';
import { isUnknownOutcome, transactionRequest, uniqueDescricao, type LoadRequest, type RequestOutcome } from './load.js';
import { startTestStack, type TestStack } from './stack.js';
import type { TestUser } from './transfers.js';

/** Why the cluster tests cannot run here, or false. */
export function clusterSkipReason(): string | false {
  const missing = missingClusterBinaries();
  return missing.length === 0 ? false : `the Patroni cluster needs Debian's packages (.ci/run installs them): missing ${missing.join(', ')}`;
}

export interface ClusterTestEnv {
  cluster: PostgresCluster;
  env: TestStack;
  stop(): Promise<void>;
}

export async function startClusterTestEnv(label: string, instances: number, options: { mockServices?: boolean; apiEnv?: Record<string, string> } = {}): Promise<ClusterTestEnv> {
  const workDir = await mkdtemp(path.join(tmpdir(), `crebitos-${label}-`));
  const logs: string[] = [];
  const cluster = await PostgresCluster.start({ workDir, log: (line) => logs.push(line) });
  try {
    await ensureDatabase(cluster.url(), 'crebitos');
    const env = await startTestStack(label, {
      databaseUrl: cluster.url('crebitos'),
      instances,
      apiEnv: { ...CLUSTER_API_ENV, ...options.apiEnv },
      ...(options.mockServices ? { mockServices: true } : {}),
    });
    return {
      cluster,
      env,
      async stop() {
        await env.stop().catch(() => {});
        await cluster.stop();
        await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/**
 * Request i of the mixed load: credits and debits on the open accounts 1-5, each with a unique
 * descricao; every `keyedEvery`-th carries an Idempotency-Key (so a 5xx can be retried safely).
 */
export function mixedRequest(port: number, i: number, keyedEvery = 4, prefix = ''): LoadRequest {
  const request = transactionRequest(port, 1 + (i % 5), 1 + (i % 89), i % 3 === 0 ? 'd' : 'c', uniqueDescricao(i, prefix));
  if (i % keyedEvery === 0) request.headers = { 'idempotency-key': `key-${prefix}${i}` };
  return request;
}

/** A transfer of R$ 0.01 between two users, always with an Idempotency-Key (transfers are keyed by design here). */
export function transferRequest(port: number, i: number, payer: TestUser, payee: TestUser): LoadRequest {
  return {
    port,
    method: 'POST',
    path: '/transfer',
    body: JSON.stringify({ value: 0.01, payer: payer.id, payee: payee.id }),
    headers: { ...payer.auth, 'idempotency-key': `transfer-${i}` },
  };
}

export function isTransfer(outcome: RequestOutcome): boolean {
  return outcome.request.path === '/transfer';
}

export function isKeyed(outcome: RequestOutcome): boolean {
  return outcome.request.headers?.['idempotency-key'] !== undefined;
}

/**
 * Retries every keyed request whose answer was unknown (5xx or none), with the same key and
 * body, until it gets a definite answer; returns the outcomes with those replaced.
 */
export async function retryKeyedUnknowns(outcomes: readonly RequestOutcome[], timeoutMs = 30_000): Promise<{ outcomes: RequestOutcome[]; retried: number; replayed: number }> {
  const deadline = Date.now() + timeoutMs;
  let retried = 0;
  let replayed = 0;
  const result: RequestOutcome[] = [];
  for (const outcome of outcomes) {
    if (!isKeyed(outcome) || !isUnknownOutcome(outcome)) {
      result.push(outcome);
      continue;
    }
    retried++;
    const { request: req } = outcome;
    for (;;) {
      const sentAt = Date.now();
      const response = await request(`http://127.0.0.1:${req.port}${req.path}`, { method: req.method, body: req.body!, headers: req.headers! }).catch(() => undefined);
      if (response !== undefined && response.status < 500) {
        if (response.headers.get('idempotent-replayed') === 'true') replayed++;
        result.push({ ...outcome, status: response.status, body: response.text, sentAt, answeredAt: Date.now() });
        break;
      }
      if (Date.now() > deadline) throw new Error(`keyed request ${req.headers!['idempotency-key']} still gets ${response?.status ?? 'no answer'} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { outcomes: result, retried, replayed };
}
