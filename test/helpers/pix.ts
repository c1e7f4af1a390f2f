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
