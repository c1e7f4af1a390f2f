// The console module: the web console a person opens in a browser (spec part F's page at `/`,
// and the live views). Static files from web/console/ (no build step), and the live
// ledger view's server-sent events. The billing pages talk to the billing module's own routes
// (/billings/...) from the browser; the ledger view reads the other modules' tables through a
// read-only statement (store-sql.ts says why that and not their code).
import { ErrorCode } from '../kernel/errors.js';
import type { HttpResponder } from '../kernel/http-responder.js';
import type { Module, ModuleContext, RouteHandler } from '../kernel/module.js';
import { errorResponse } from '../kernel/openapi.js';
import { LedgerFeed } from './ledger-feed.js';
import { CONSOLE_SCHEMAS } from './schemas.js';
import { CONSOLE_ASSETS, loadStaticFiles, notModified, type ConsolePage, type StaticFile } from './static-files.js';
import { PgConsoleStore } from './store.js';

const OK = '200 OK';
const NOT_MODIFIED = '304 Not Modified';

/** Browsers watching the ledger view at once, per instance; the next one gets 503 and retries. */
export const MAX_LEDGER_VIEWERS = 64;
/** A snapshot this often while someone watches. */
export const LEDGER_INTERVAL_MS = 1000;
/** A comment line this often: well inside nginx's read timeout, and a dead client shows up as a failed write. */
export const HEARTBEAT_MS = 5000;

const EVENT_STREAM_HEADERS: readonly (readonly [string, string])[] = [
  ['Cache-Control', 'no-store'],
  // nginx passes the stream on as it is written (nginx.conf also says so for /console/).
  ['X-Accel-Buffering', 'no'],
  ['X-Content-Type-Options', 'nosniff'],
];

const TAG = {
  name: 'console',
  description: `The web console, for a person with a browser: open \`/\` (with \`npm start\`:
\`localhost:9999/\`). Plain HTML, CSS and a little JavaScript served by the API itself, nothing
from another origin (a Content-Security-Policy says so to the browser).

- \`/\`: upload a billing CSV (a preview of its first rows before sending, a progress bar while it
  goes), and the table of uploaded files, updated live from \`GET /billings/files/events\`.
- \`/console/files/{id}\`: one file: its counts per state and its invalid rows, live.
- \`/console/ledger\`: the open accounts' balances and newest transactions, and the transfers' and
  Pix figures, from \`GET /console/ledger/events\` (a snapshot a second while the page is open).

The pages work with the keyboard alone and on a phone-sized screen, and say what went wrong in
words. The billing pages need the billing module (MODULES); without it they say so.`,
} as const;

const PAGE_RESPONSES = {
  200: { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } },
  304: { description: 'The browser\'s copy (If-None-Match) is current.' },
} as const;

export function createConsoleModule(context: ModuleContext): Module {
  const { config, edge, metrics } = context;
  const store = new PgConsoleStore(config);
  const ledger = new LedgerFeed(store, { intervalMs: LEDGER_INTERVAL_MS, maxSubscribers: MAX_LEDGER_VIEWERS, heartbeatMs: HEARTBEAT_MS, retryMs: 2000, maxBehindMs: 15_000 });
  metrics.gauge('crebitos_console_ledger_viewers', 'Browsers watching the live ledger view on this instance.', () => ledger.feed.size);
  let files: Map<string, StaticFile> | undefined;

  const serve = (name: string, ifNoneMatch: string, responder: HttpResponder) => {
    const file = files?.get(name);
    if (file === undefined) return responder.fail(ErrorCode.RouteNotFound);
    if (notModified(ifNoneMatch, file.etag)) return responder.send(NOT_MODIFIED, '', '', file.headers);
    responder.send(OK, file.contentType, file.body, file.headers);
  };
  const page = (name: ConsolePage): RouteHandler => (_res, req, responder) => serve(name, req.getHeader('if-none-match'), responder);

  return {
    name: 'console',
    tag: TAG,
    schemas: CONSOLE_SCHEMAS,
    async start() {
      files = await loadStaticFiles();
    },
    drain() {
      // Open streams would hold the drain for its whole grace: end them now; the browsers'
      // EventSource reconnects, through nginx, to the other instance.
      ledger.feed.closeAll();
      void store.end().catch(() => {});
    },
    routes: [
      {
        method: 'get',
        path: '/',
        operation: {
          operationId: 'consoleHome',
          summary: 'The console: upload a billing CSV, and the files uploaded',
          description: 'The upload form (file picker, preview of the first rows, progress bar) and the table of uploaded files with their status, live.',
          responses: PAGE_RESPONSES,
        },
        handler: page('index.html'),
      },
      {
        method: 'get',
        path: '/console/files/{id}',
        operation: {
          operationId: 'consoleFilePage',
          summary: 'The console\'s page of one uploaded file',
          description: 'Counts per state (imported, boletos issued, e-mails sent or failed) and the invalid rows, live. The page itself is the same for every id: it reads `GET /billings/files/{id}`, and says so when there is no such file.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: PAGE_RESPONSES,
        },
        handler: page('file.html'),
      },
      {
        method: 'get',
        path: '/console/ledger',
        operation: {
          operationId: 'consoleLedgerPage',
          summary: 'The console\'s live ledger view',
          description: 'The open accounts\' balances and newest transactions, and the transfers\' and Pix figures, from `GET /console/ledger/events`.',
          responses: PAGE_RESPONSES,
        },
        handler: page('ledger.html'),
      },
      {
        method: 'get',
        path: '/console/assets/{asset}',
        operation: {
          operationId: 'consoleAsset',
          summary: 'A file of the console\'s pages',
          description: 'One of a fixed list (style sheet, scripts, icon), each with its content type; any other name is 404.',
          parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: Object.keys(CONSOLE_ASSETS) } }],
          responses: { 200: { description: 'The file.' }, 304: PAGE_RESPONSES[304], 404: errorResponse('No such file.') },
        },
        handler(_res, req, responder) {
          const asset = req.getParameter(0) ?? '';
          if (CONSOLE_ASSETS[asset] === undefined) return responder.fail(ErrorCode.RouteNotFound);
          serve(asset, req.getHeader('if-none-match'), responder);
        },
      },
      {
        method: 'get',
        path: '/console/ledger/events',
        operation: {
          operationId: 'consoleLedgerEvents',
          summary: 'The live ledger view\'s snapshots, as server-sent events',
          description:
            `A \`text/event-stream\` that stays open. At once and then every ${LEDGER_INTERVAL_MS / 1000} s: \`event: snapshot\` whose data is a ` +
            '`ConsoleLedgerSnapshot` (one database snapshot). When the database cannot answer, `event: unavailable` whose data is the ' +
            `error body (\`{"erro": ...}\`), and snapshots resume by themselves. A comment line every ${HEARTBEAT_MS / 1000} s keeps a quiet ` +
            'connection open. Snapshots are taken only while someone watches, one query per tick for all watchers of an instance. ' +
            `At most ${MAX_LEDGER_VIEWERS} watchers per instance: the next one is answered 429. A watcher that reads too slowly skips ` +
            'snapshots (only the newest matters) and is disconnected if it stays behind 15 s. While the instance drains, its streams end ' +
            'and the browser reconnects to another instance (`retry: 2000`).',
          responses: {
            200: { description: 'The stream.', content: { 'text/event-stream': { schema: { type: 'string', description: 'Events whose data is a ConsoleLedgerSnapshot (#/components/schemas/ConsoleLedgerSnapshot).' } } } },
            429: errorResponse('Too many watchers on this instance, or it is draining: try again in a moment.'),
          },
        },
        handler(_res, _req, responder) {
          if (edge.draining || ledger.feed.full) return responder.fail(ErrorCode.EventStreamsBusy);
          let unsubscribe = () => {};
          const stream = responder.stream(OK, 'text/event-stream; charset=utf-8', EVENT_STREAM_HEADERS, () => unsubscribe());
          if (stream === undefined) return;
          stream.write(ledger.feed.opening());
          unsubscribe = ledger.feed.subscribe(stream)!;
        },
      },
    ],
  };
}
