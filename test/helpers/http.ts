// Small HTTP helpers for tests: JSON requests through fetch, and raw bytes over a socket for
// what fetch cannot send (invalid UTF-8, broken framing, huge headers, dribbled bodies).
import net from 'node:net';
import { installedContract } from './openapi-contract.js';

export interface JsonResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  json: any;
}

export async function request(url: string, init: { method?: string; body?: string | object; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  const body = init.body === undefined || typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const method = init.method ?? (body === undefined ? 'GET' : 'POST');
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  installedContract()?.check(method, url, response.status, response.headers.get('content-type'), text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function postTransaction(base: string, clientId: number | string, body: string | object): Promise<JsonResponse> {
  return request(`${base}/clientes/${clientId}/transacoes`, { method: 'POST', body });
}

export function getStatement(base: string, clientId: number | string): Promise<JsonResponse> {
  return request(`${base}/clientes/${clientId}/extrato`);
}

/** Sends raw bytes, returns everything the server sent until it closed or timeoutMs passed. */
export function rawRequest(port: number, bytes: Buffer | string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

/** The status code of the first response in a raw HTTP answer, or 0 when there is none. */
export function statusOf(raw: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return match ? Number(match[1]) : 0;
}
