// What the billing tests share: CSV files of debts, and uploads through fetch (multipart as a
// browser form sends it, or a raw text/csv body), every answer checked against the contract.
import { randomUUID } from 'node:crypto';
import { installedContract } from './openapi-contract.js';
import type { JsonResponse } from './http.js';

export const HEADER = 'name,governmentId,email,debtAmount,debtDueDate,debtId';

export interface Debt {
  name: string;
  governmentId: string;
  email: string;
  debtAmount: string;
  debtDueDate: string;
  debtId: string;
}

let counter = Math.floor(Math.random() * 1e6);

export function debt(extra: Partial<Debt> = {}): Debt {
  const n = ++counter;
  return { name: `Pessoa ${n}`, governmentId: String(10_000_000_000 + n), email: `p${n}@example.com`, debtAmount: `${(n % 5000) + 1}.${String(n % 100).padStart(2, '0')}`, debtDueDate: '2026-03-15', debtId: randomUUID(), ...extra };
}

export function csv(debts: readonly Debt[], newline = '\n'): string {
  return [HEADER, ...debts.map((d) => [d.name, d.governmentId, d.email, d.debtAmount, d.debtDueDate, d.debtId].join(','))].join(newline) + newline;
}

async function answer(method: string, url: string, response: Response): Promise<JsonResponse> {
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

/** POST /billings/csv/upload as a browser form does (multipart/form-data, field `file`). */
export async function uploadForm(base: string, content: string | Buffer, fileName = 'debts.csv'): Promise<JsonResponse> {
  const form = new FormData();
  form.append('file', new Blob([content], { type: 'text/csv' }), fileName);
  const url = `${base}/billings/csv/upload`;
  return answer('POST', url, await fetch(url, { method: 'POST', body: form }));
}

/** POST /billings/csv/upload with the file as the raw body (text/csv). */
export async function uploadCsv(base: string, content: string | Buffer, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const url = `${base}/billings/csv/upload`;
  return answer('POST', url, await fetch(url, { method: 'POST', body: content, headers: { 'content-type': 'text/csv', ...headers } }));
}
