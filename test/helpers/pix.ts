// The pix streams from a test's side: generate messages, start, pull, close, each answer read
// through helpers/http.ts (so checked against the served OpenAPI document when one is
// installed), with its messages parsed and its Pull-Next kept.
import assert from 'node:assert/strict';
import { request, type JsonResponse } from './http.js';

export interface PixMessage {
  endToEndId: string;
  valor: number;
  pagador: Record<string, string>;
  recebedor: Record<string, string>;
  campoLivre: string;
  txId: string;
  dataHoraPagamento: string;
}

export interface PullAnswer extends JsonResponse {
  /** The messages of a 200 (one for application/json, the array for multipart/json), else []. */
  messages: PixMessage[];
  /** The Pull-Next header ('' when absent). */
  pullNext: string;
}

export type AcceptMode = 'json' | 'multipart' | 'none';

const ACCEPT: Record<AcceptMode, Record<string, string>> = {
  json: { accept: 'application/json' },
  multipart: { accept: 'multipart/json' },
  none: {},
};

export async function generate(base: string, ispb: string, count: number): Promise<JsonResponse> {
  return request(`${base}/api/util/msgs/${ispb}/${count}`, { method: 'POST' });
}

export async function generateOrFail(base: string, ispb: string, count: number): Promise<void> {
  const response = await generate(base, ispb, count);
  assert.equal(response.status, 201, `generating ${count} for ${ispb}: ${response.status} ${response.text}`);
}

/** GET of a path (`/api/pix/.../stream/start` or a Pull-Next). */
export async function pullPath(base: string, path: string, accept: AcceptMode = 'multipart'): Promise<PullAnswer> {
  const response = await request(`${base}${path}`, { method: 'GET', headers: ACCEPT[accept] });
  const messages: PixMessage[] = response.status !== 200 ? [] : Array.isArray(response.json) ? response.json : [response.json];
  return { ...response, messages, pullNext: response.headers.get('pull-next') ?? '' };
}

export function startStream(base: string, ispb: string, accept: AcceptMode = 'multipart'): Promise<PullAnswer> {
  return pullPath(base, `/api/pix/${ispb}/stream/start`, accept);
}

export function closeStream(base: string, pullNext: string): Promise<JsonResponse> {
  return request(`${base}${pullNext}`, { method: 'DELETE' });
}

/** A random valid ISPB, distinct per call within a run. */
let ispbCounter = Math.floor(Math.random() * 1_000_000);
export function freshIspb(): string {
  ispbCounter = (ispbCounter + 7919) % 100_000_000;
  return String(ispbCounter).padStart(8, '0');
}

export interface CollectorOptions {
  /** Where to send (nginx, or one instance). */
  base: string | (() => string);
  ispb: string;
  accept?: AcceptMode;
  /** Close the stream (DELETE) and start a new one after this many pulls; default never. */
  pullsPerStream?: number;
  /** Pause after a 429 before starting again. */
  retryMs?: number;
  /** Give up entirely at this Date.now(). */
  deadline: number;
}

export interface CollectorReport {
  /** endToEndId -> how many times this collector received it, with the stream it came on. */
  received: { endToEndId: string; stream: string }[];
  statuses: Record<number, number>;
}

/**
 * One collector of an ISPB: starts a stream (retrying on 429 and on failures), follows Pull-Next,
 * keeps every message it received, and closes its stream when stopped. A failed pull (5xx, 0:
 * no answer) is retried with the same path: the lost answer's messages come back.
 */
export function runCollector(options: CollectorOptions, stopped: () => boolean): Promise<CollectorReport> {
  const report: CollectorReport = { received: [], statuses: {} };
  const base = typeof options.base === 'string' ? () => options.base as string : options.base;
  const count = (status: number) => (report.statuses[status] = (report.statuses[status] ?? 0) + 1);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const accept = options.accept ?? 'multipart';
  return (async () => {
    let path = '';
    let pulls = 0;
    while (Date.now() < options.deadline) {
      if (stopped() && path === '') break;
      if (stopped() || (options.pullsPerStream !== undefined && pulls >= options.pullsPerStream && path !== '')) {
        const closed = await closeStream(base(), path).catch(() => ({ status: 0 }));
        count(closed.status);
        if (closed.status === 200 || closed.status === 404) {
          path = '';
          pulls = 0;
        } else await pause(50);
        continue;
      }
      let answer: PullAnswer;
      try {
        answer = await pullPath(base(), path === '' ? `/api/pix/${options.ispb}/stream/start` : path, accept);
      } catch {
        count(0);
        await pause(50);
        continue;
      }
      count(answer.status);
      if (answer.status === 200 || answer.status === 204) {
        const stream = answer.pullNext.split('/').pop()!.split('-')[0]!;
        for (const message of answer.messages) report.received.push({ endToEndId: message.endToEndId, stream });
        path = answer.pullNext;
        pulls++;
      } else if (answer.status === 429) {
        await pause(options.retryMs ?? 50);
      } else if (answer.status === 404) {
        path = ''; // the stream expired or was closed: start another
        pulls = 0;
      } else {
        await pause(50); // 5xx or 502: pull again with the same path
      }
    }
    return report;
  })();
}
