// The billing module (spec part F, the Kanastra challenge's shape): CSV files of debts uploaded
// and streamed into Postgres, the files' records and their live list as server-sent events.
// The worker process (src/worker.ts, with this module's processor.ts) issues each debt's boleto
// and sends its e-mail.
import busboy from 'busboy';
import type { Readable } from 'node:stream';
import { BodyStreamError, streamBody } from '../kernel/body-stream.js';
import { ErrorCode } from '../kernel/errors.js';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_PARAMETER, isValidIdempotencyKey, REPLAYED_HEADERS } from '../kernel/idempotency.js';
import type { HttpResponder } from '../kernel/http-responder.js';
import { log } from '../kernel/log.js';
import type { Module, ModuleContext } from '../kernel/module.js';
import { errorResponse, schemaRef } from '../kernel/openapi.js';
import { errorCodeOf } from '../kernel/store-error.js';
import { CsvFileError } from './csv-to-copy.js';
import { FileEvents } from './events.js';
import { BILLING_SCHEMAS, FILES_LISTED, INVALID_ROWS_RETURNED, serializeFile, serializeFileDetail, serializeFiles } from './schemas.js';
import { PgBillingStore } from './store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CSV_TYPES = new Set(['text/csv', 'application/csv']);
const json = (name: string, description: string) => ({ description, content: { 'application/json': { schema: schemaRef(name) } } });

const TAG = {
  name: 'billing',
  description: `Billing import (the Kanastra challenge's shape): a creditor uploads a CSV of debts; each debt
gets a boleto and an e-mail to the debtor.

**The file**: header \`name,governmentId,email,debtAmount,debtDueDate,debtId\`, then one debt per
row: \`debtAmount\` in reais with up to 2 decimals (\`1000000.00\`, from 0.01 to 99999999.99, what a
boleto's 10-digit amount holds), \`debtDueDate\` \`YYYY-MM-DD\` (2000 to 2099), \`debtId\` a UUID,
\`governmentId\` 1 to 14 digits, \`email\` an address, \`name\` 1 to 200 characters. RFC 4180 quoting,
CRLF or LF line endings, an optional UTF-8 BOM; blank lines are skipped.

**The upload streams**: the body goes through the CSV parser straight into Postgres \`COPY\` as it
arrives (never held whole, in memory or on disk), into a staging table, then into the debts with
one \`INSERT ... SELECT\` that skips every \`debtId\` already stored or earlier in the file,
all in one transaction: the answer
comes once every valid row is committed, and a file whose upload fails half-way leaves nothing.
A row that breaks a rule is recorded (its line, the header being line 1, and why) and skipped; a
\`debtId\` that exists already is a duplicate and skipped. The same bytes uploaded again (SHA-256)
answer the first file's record with \`200\` and change nothing.

**Then, in the background** (the worker process): a boleto per debt (a FEBRABAN payment line,
"linha digitável", 47 digits with its check digits), then an e-mail to the debtor carrying it, over
SMTP. Each debt has its own state (imported, boleto_issued, email_sent or email_failed); a worker
killed anywhere resumes where it stopped, and an e-mail is sent once: the only repeat possible is
an e-mail whose sending was in flight at the kill (at most one per SMTP connection,
BILLING_SMTP_CONNECTIONS), with the same \`Message-ID\` (\`<debtId@billing.crebitos>\`).`,
} as const;

export function createBillingModule(context: ModuleContext): Module {
  const { config, pool, metrics } = context;
  const settings = config.billing;
  const store = new PgBillingStore(pool, config.databaseUrl);
  const events = new FileEvents(async () => serializeFiles(await store.listFiles()), settings.eventsMax);
  let uploads = 0;
  const rowsImported = metrics.counter('crebitos_billing_rows_imported_total', 'CSV rows that became new debts (this instance).');
  const rowsDuplicate = metrics.counter('crebitos_billing_rows_duplicate_total', 'CSV rows skipped as duplicates of an existing debtId (this instance).');
  const rowsInvalid = metrics.counter('crebitos_billing_rows_invalid_total', 'CSV rows refused by a rule (this instance).');
  const uploadsRefused = metrics.counter('crebitos_billing_uploads_refused_total', 'Uploads answered 4xx or 5xx: nothing imported (this instance).');
  metrics.gauge('crebitos_billing_uploads_in_progress', 'Uploads streaming in on this instance.', () => uploads);
  metrics.gauge('crebitos_billing_event_streams', 'Open GET /billings/files/events streams on this instance.', () => events.count);
  metrics.asyncGauge('crebitos_billing_emails_pending', 'Imported debts whose e-mail is neither sent nor failed yet (database-wide).', () => store.pendingEmails());

  const upload = (res: Parameters<Module['routes'][number]['handler']>[0], contentType: string, contentLength: string, key: string, responder: HttpResponder) => {
    if (key !== '' && !isValidIdempotencyKey(key)) return responder.failAndClose(ErrorCode.InvalidIdempotencyKey);
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
    const multipart = mediaType === 'multipart/form-data';
    if (!multipart && !CSV_TYPES.has(mediaType)) return responder.failAndClose(ErrorCode.UploadContentType);
    if (contentLength !== '' && Number(contentLength) > settings.uploadMaxBytes) return responder.failAndClose(ErrorCode.UploadTooLarge);
    if (uploads >= settings.uploadsMax) return responder.failAndClose(ErrorCode.UploadsBusy);
    uploads++;
    const body = streamBody(res, responder, settings.uploadMaxBytes);
    const bytesTotal = contentLength === '' ? null : Number(contentLength);
    const source = multipart ? fileOfForm(body.stream, contentType) : Promise.resolve({ file: body.stream, name: null });
    source
      .then(({ file, name }) => store.importCsv(file, name, bytesTotal, key === '' ? null : key))
      .then(
        (outcome) => {
          if (outcome.status === 'key_in_progress' || outcome.status === 'key_reused') uploadsRefused.inc();
          if (outcome.status === 'key_in_progress') return responder.failAndClose(ErrorCode.IdempotencyKeyInProgress);
          if (outcome.status === 'key_reused') return responder.failAndClose(ErrorCode.IdempotencyKeyReused);
          const file = outcome.file!;
          if (outcome.status === 'imported') {
            rowsImported.inc(file.imported);
            rowsDuplicate.inc(file.duplicates);
            rowsInvalid.inc(file.invalid);
          }
          const location = ['Location', `/billings/files/${file.id}`] as const;
          if (outcome.status === 'key_replayed') return responder.json('201 Created', serializeFile(file), [location, ...REPLAYED_HEADERS]);
          responder.json(outcome.status === 'imported' ? '201 Created' : '200 OK', serializeFile(file), [location]);
        },
        (error: unknown) => {
          uploadsRefused.inc();
          if (responder.finished) return;
          if (error instanceof BodyStreamError) {
            return responder.failAndClose(error.kind === 'too_large' ? ErrorCode.UploadTooLarge : ErrorCode.UploadMalformed);
          }
          if (error instanceof CsvFileError) return responder.failAndClose(error.kind === 'header' ? ErrorCode.CsvHeader : ErrorCode.CsvMalformed);
          if (error instanceof NoFileError) return responder.failAndClose(ErrorCode.UploadNoFile);
          const code = errorCodeOf(error);
          if (code === ErrorCode.Internal) log.error('upload failed', { error: (error as Error).message });
          responder.failAndClose(code);
        },
      )
      .finally(() => {
        uploads--;
        body.stream.destroy();
      });
  };

  return {
    name: 'billing',
    tag: TAG,
    schemas: BILLING_SCHEMAS,
    drain: () => events.close(),
    pending: () => uploads,
    routes: [
      {
        method: 'post',
        path: '/billings/csv/upload',
        operation: {
          operationId: 'uploadBillingCsv',
          summary: 'Upload a CSV file of debts',
          description:
            'The file as `multipart/form-data` (field `file`, as a browser form sends it) or as the raw body with `Content-Type: text/csv`. ' +
            'Streamed into the database as it arrives; answered once every valid row is committed. Bounded: BILLING_UPLOAD_MAX_BYTES ' +
            '(default 256 MiB) per upload, BILLING_UPLOADS_MAX uploads at once per instance. A file that cannot be read as the CSV of part F ' +
            '(no or another header, an unterminated quote) is refused whole with 422 and leaves nothing; a row breaking a rule only is skipped ' +
            'and listed in invalidRows. With an Idempotency-Key (one scope: these routes have no caller identity), the same key with the same ' +
            'bytes replays the first answer (201, Idempotent-Replayed: true), with other bytes is 422, while the first upload is still ' +
            'receiving 409; the key is kept with the file.',
          parameters: [IDEMPOTENCY_KEY_PARAMETER],
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] } },
              'text/csv': { schema: { type: 'string' }, examples: { debts: { value: 'name,governmentId,email,debtAmount,debtDueDate,debtId\nJohn Doe,11111111111,johndoe@kanastra.com.br,1000000.00,2025-10-12,1adb6ccf-ff16-467f-bea7-5f05d494280f\n' } } },
            },
          },
          responses: {
            201: {
              ...json('ArquivoCobranca', 'Imported: every valid row is committed (status processing, or done when no row was new); or the replay of an Idempotency-Key\'s first upload.'),
              headers: {
                Location: { description: 'The file\'s URL.', schema: { type: 'string' } },
                'Idempotent-Replayed': { description: '`true` when this answer replays the first upload of the Idempotency-Key.', schema: { type: 'string', enum: ['true'] } },
              },
            },
            409: errorResponse('An upload with the same Idempotency-Key is still receiving; this one was not read.'),
            200: { ...json('ArquivoCobranca', 'These bytes were uploaded before (same SHA-256): the first file\'s record; nothing changed.'), headers: { Location: { description: 'The first file\'s URL.', schema: { type: 'string' } } } },
            400: errorResponse('The multipart body is malformed.'),
            413: errorResponse('The body is larger than BILLING_UPLOAD_MAX_BYTES (declared or received): the rest is not read, nothing is imported.'),
            415: errorResponse('Neither multipart/form-data nor text/csv.'),
            422: errorResponse('The form has no `file` field, or the file has no header or another one, or an unterminated quote; or the Idempotency-Key is malformed or was used with other bytes. Nothing imported.'),
            429: errorResponse('BILLING_UPLOADS_MAX uploads are in progress on this instance: retry shortly.'),
            503: errorResponse('The database is unreachable. Nothing is imported (the upload is one transaction): retrying is safe.'),
          },
        },
        handler(res, req, responder) {
          // Copied now: uWS's HttpRequest is gone once this handler returns.
          upload(res, req.getHeader('content-type'), req.getHeader('content-length'), req.getHeader(IDEMPOTENCY_KEY_HEADER), responder);
        },
      },
      {
        method: 'get',
        path: '/billings/files',
        operation: {
          operationId: 'listBillingFiles',
          summary: 'Uploaded files, newest first',
          description: `The ${FILES_LISTED} newest files at most, with their status and progress (also while they are being received).`,
          responses: { 200: json('ArquivosCobranca', 'The files.'), 503: errorResponse('The database is unreachable.') },
        },
        handler(_res, _req, responder) {
          store.listFiles().then(
            (files) => responder.ok(serializeFiles(files)),
            (error: unknown) => responder.fail(errorCodeOf(error)),
          );
        },
      },
      {
        method: 'get',
        path: '/billings/files/events',
        operation: {
          operationId: 'billingFileEvents',
          summary: 'The files list, live (server-sent events)',
          description:
            '`text/event-stream`: `event: files` whose `data` is the same JSON array as GET /billings/files, at connect and whenever it changes ' +
            '(looked at every second while someone listens), and a `: heartbeat` comment every 15 s. At most BILLING_EVENTS_MAX streams per ' +
            'instance; a stream that cannot keep up skips lists (only the newest matters) and is closed if it stays behind 15 s (EventSource ' +
            'reconnects, `retry: 2000`). The instance ends its streams when it drains.',
          responses: {
            200: { description: 'The event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            429: errorResponse('BILLING_EVENTS_MAX streams are open on this instance.'),
            503: errorResponse('The database is unreachable.'),
          },
        },
        handler(_res, _req, responder) {
          events.subscribe(responder);
        },
      },
      {
        method: 'get',
        path: '/billings/files/{id}',
        operation: {
          operationId: 'getBillingFile',
          summary: 'A file, with its counts per state and its invalid rows',
          description: `The record plus invalidRows: the refused rows by line, at most ${INVALID_ROWS_RETURNED} (invalidRowsTruncated says when there are more).`,
          parameters: [{ name: 'id', in: 'path', required: true, description: 'The file id; anything but a UUID is 404.', schema: { type: 'string', format: 'uuid' } }],
          responses: {
            200: json('ArquivoCobrancaDetalhe', 'The file.'),
            404: errorResponse('No such file.'),
            503: errorResponse('The database is unreachable.'),
          },
        },
        handler(_res, req, responder) {
          const id = req.getParameter(0);
          if (!UUID.test(id)) return responder.fail(ErrorCode.FileNotFound);
          store.findFile(id).then(
            (file) => (file === undefined ? responder.fail(ErrorCode.FileNotFound) : responder.ok(serializeFileDetail(file))),
            (error: unknown) => responder.fail(errorCodeOf(error)),
          );
        },
      },
    ],
  };
}

class NoFileError extends Error {}

/** The `file` part of a multipart form, as it streams (busboy); other parts are skipped. */
function fileOfForm(body: Readable, contentType: string): Promise<{ file: Readable; name: string | null }> {
  return new Promise((resolve, reject) => {
    let form: busboy.Busboy;
    try {
      form = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fields: 20, fieldSize: 64 * 1024, parts: 40, headerPairs: 50 } });
    } catch {
      return reject(new BodyStreamError('malformed', 'no multipart boundary'));
    }
    let found: Readable | undefined;
    form.on('file', (field, file, info) => {
      if (field !== 'file' || found !== undefined) return file.resume();
      found = file;
      resolve({ file, name: info.filename ? info.filename.slice(0, 255) : null });
    });
    form.on('error', (error: Error) => {
      const failure = new BodyStreamError('malformed', error.message);
      if (found === undefined) reject(failure);
      else found.destroy(failure);
    });
    form.on('close', () => {
      if (found === undefined) reject(new NoFileError('no file field'));
    });
    body.on('error', (error) => {
      if (found === undefined) reject(error);
      else found.destroy(error);
      form.destroy(error);
    });
    body.pipe(form);
  });
}
