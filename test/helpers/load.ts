// Load for the fault tests: N requests at concurrency C for at most T ms, every answer kept
// (status 0 when none came: reset, refused, timed out), so a test can count its 200s, its
// failures and the requests whose outcome it cannot know. Keep-alive connections per port, like
// a real client; bounded in count and time so no test can run away.
import http from 'node:http';
import { sleep } from '../../kit/poll.js';

export interface LoadRequest {
  /** Where to send it: nginx's port or one instance's port. */
  port: number;
  method: string;
  path: string;
  body?: string;
  /** Set on credits and debits: whose ledger this request may change. */
  clientId?: number;
  /** Set on credits and debits: unique per request, so its row can be found (at most 10 chars). */
  descricao?: string;
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
}

export interface RequestOutcome {
  request: LoadRequest;
  /** HTTP status, or 0 when no answer came (connection refused, reset, closed, timed out). */
  status: number;
  body: string;
  /** Connection header of the answer, lower-cased ('' when absent). */
  connection: string;
  error?: string;
  /** Date.now() when the request was sent and when its answer (or failure) came. */
  sentAt: number;
  answeredAt: number;
}

export interface LoadOptions {
  concurrency: number;
  /** Stop after this many requests... */
  maxRequests: number;
  /** ...or this much time, whichever comes first. */
  maxDurationMs: number;
  /** The request number `index` (0, 1, 2, ...). */
  next(index: number): LoadRequest;
  /** Give up on one request after this long (status 0). Default 10 s. */
  requestTimeoutMs?: number;
  /** Each worker waits this long between its requests. Default 0. */
  pauseMs?: number;
}

export interface RunningLoad {
  /** Answers so far, in the order they came. */
  readonly outcomes: readonly RequestOutcome[];
  /** Resolves once `count` answers (of any kind) came; rejects after timeoutMs. */
  waitForAnswers(count: number, timeoutMs?: number): Promise<void>;
  /** Sends no new request, waits for those in flight, returns everything. */
  stop(): Promise<RequestOutcome[]>;
  /** Resolves when the load ended by itself (count or time). */
  readonly done: Promise<RequestOutcome[]>;
}

export function startLoad(options: LoadOptions): RunningLoad {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const agents = new Map<number, http.Agent>();
  const agentFor = (port: number) => {
    let agent = agents.get(port);
    if (agent === undefined) {
      agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
      agents.set(port, agent);
    }
    return agent;
  };
  const outcomes: RequestOutcome[] = [];
  const waiters: { count: number; resolve(): void }[] = [];
  const deadline = Date.now() + options.maxDurationMs;
  let issued = 0;
  let stopped = false;

  const record = (outcome: RequestOutcome) => {
    outcomes.push(outcome);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (outcomes.length >= waiters[i]!.count) waiters.splice(i, 1)[0]!.resolve();
    }
  };

  const worker = async () => {
    while (!stopped && issued < options.maxRequests && Date.now() < deadline) {
      const request = options.next(issued++);
      record(await send(agentFor(request.port), request, timeoutMs));
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, worker)).then(() => {
    for (const agent of agents.values()) agent.destroy();
    return outcomes;
  });

  return {
    outcomes,
    waitForAnswers(count, waitMs = 30_000) {
      if (outcomes.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${outcomes.length} of ${count} answers after ${waitMs} ms`)), waitMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    stop() {
      stopped = true;
      return done;
    },
    done,
  };
}

/** Runs a load to its end (count or time). */
export function runLoad(options: LoadOptions): Promise<RequestOutcome[]> {
  return startLoad(options).done;
}

function send(agent: http.Agent, request: LoadRequest, timeoutMs: number): Promise<RequestOutcome> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status: number, body: string, connection: string, error?: string) => {
      if (settled) return;
      settled = true;
      resolve({ request, status, body, connection, ...(error !== undefined ? { error } : {}), sentAt, answeredAt: Date.now() });
    };
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(request.body);
    }
    const req = http.request(
      { host: '127.0.0.1', port: request.port, method: request.method, path: request.path, headers, agent, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), String(res.headers.connection ?? '').toLowerCase()));
        res.on('error', (error) => finish(0, '', '', error.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => finish(0, '', '', (error as NodeJS.ErrnoException).code ?? error.message));
    req.end(request.body);
  });
}

// ---- Building requests -------------------------------------------------------------------

/** A credit or debit of one client, with a unique descricao (see uniqueDescricao). */
export function transactionRequest(port: number, clientId: number, valor: number, tipo: 'c' | 'd', descricao: string): LoadRequest {
  return {
    port,
    method: 'POST',
    path: `/clientes/${clientId}/transacoes`,
    body: JSON.stringify({ valor, tipo, descricao }),
    clientId,
    descricao,
  };
}

export function statementRequest(port: number, clientId: number): LoadRequest {
  return { port, method: 'GET', path: `/clientes/${clientId}/extrato` };
}

/**
 * A descricao no other request of the test has: the request number in base 36 (<= 10 chars).
 * A prefix (uppercase, so never a base-36 digit) keeps a second series apart from the first.
 */
export function uniqueDescricao(index: number, prefix = ''): string {
  if (/[0-9a-z]/.test(prefix)) throw new Error(`prefix ${prefix} could collide with base-36 digits`);
  const text = prefix + index.toString(36);
  if (text.length > 10) throw new Error(`descricao ${text} is longer than 10 characters`);
  return text;
}

// ---- Reading the answers ------------------------------------------------------------------

export function isTransaction(outcome: RequestOutcome): boolean {
  return outcome.request.method === 'POST' && outcome.request.clientId !== undefined;
}

/** Answers whose effect on the ledger nobody can know: no answer, or a 5xx. */
export function isUnknownOutcome(outcome: RequestOutcome): boolean {
  return outcome.status === 0 || outcome.status >= 500;
}

/** Counts per status, e.g. { '200': 950, '422': 50 }, for assertion messages. */
export function statusCounts(outcomes: readonly RequestOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = outcome.status === 0 ? `no answer (${outcome.error ?? '?'})` : String(outcome.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** A few failing outcomes, readable in an assertion message. */
export function describeOutcomes(outcomes: readonly RequestOutcome[], max = 5): string {
  return outcomes
    .slice(0, max)
    .map((o) => `${o.request.method} :${o.request.port}${o.request.path} ${o.request.body ?? ''} -> ${o.status || o.error} ${o.body.slice(0, 120)}`)
    .join('\n');
}

// The fault tests import these from here with the load helpers; they are the kit's.
export { sleep, waitUntil } from '../../kit/poll.js';
