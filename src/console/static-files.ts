// The console's files (web/console/): a fixed list, read once at start, each served with its
// content type, an ETag (304 when the browser has it) and the console's security headers. A
// name that is not on the list is a 404: no path from the request ever reaches the file system.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export const WEB_DIR = new URL('../../../web/console/', import.meta.url);

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** The pages, by file. Every path the console answers with a page maps to one of these. */
export const CONSOLE_PAGES = ['index.html', 'file.html', 'ledger.html'] as const;
export type ConsolePage = (typeof CONSOLE_PAGES)[number];

/** The assets served at /console/assets/{asset}, with their content types. */
export const CONSOLE_ASSETS: Readonly<Record<string, string>> = {
  'console.css': CSS,
  'console.js': JS,
  'csv-preview.js': JS,
  'billing-words.js': JS,
  'home.js': JS,
  'file.js': JS,
  'ledger.js': JS,
  'icon.svg': 'image/svg+xml',
};

/**
 * Nothing from another origin, no inline script or style, no framing: the pages load their own
 * files and talk to this API only.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
];

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  /** The headers of a 200 (and, without Content-Type, of a 304). */
  readonly headers: readonly (readonly [string, string])[];
}

/**
 * Files change only with a deploy, but have no content hash in their names (no build step):
 * the browser keeps them and asks again each time (no-cache), and the ETag makes that a 304.
 */
const CACHE_CONTROL = 'no-cache';

export async function loadStaticFiles(dir: URL = WEB_DIR): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  const entries: [string, string][] = [...CONSOLE_PAGES.map((page): [string, string] => [page, HTML]), ...Object.entries(CONSOLE_ASSETS)];
  for (const [name, contentType] of entries) {
    const body = await readFile(new URL(name, dir));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    files.set(name, { body, contentType, etag, headers: [['Cache-Control', CACHE_CONTROL], ['ETag', etag], ...SECURITY_HEADERS] });
  }
  return files;
}

/** True when an If-None-Match header names this ETag (or is `*`). */
export function notModified(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch === '') return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
