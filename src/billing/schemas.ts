// The billing module's response shapes, defined once: fast-json-stringify compiles each at load,
// and the OpenAPI document publishes the same objects under components.schemas.
import { compileSerializer } from '../kernel/serializer.js';

export type FileStatus = 'receiving' | 'processing' | 'done';

/** A file record: GET /billings/files lists them, the upload answers one. */
export interface FileView {
  id: string;
  name: string | null;
  status: FileStatus;
  rows: number;
  imported: number;
  duplicates: number;
  invalid: number;
  boletosIssued: number;
  emailsSent: number;
  emailsFailed: number;
  bytesReceived: number;
  bytesTotal: number | null;
  progress: number;
  sha256: string | null;
  createdAt: string;
  importedAt: string | null;
  doneAt: string | null;
}

export interface InvalidRowView {
  line: number;
  reason: string;
}

export interface FileDetailView extends FileView {
  invalidRows: InvalidRowView[];
  invalidRowsTruncated: boolean;
}

/** GET /billings/files lists this many files at most, newest first. */
export const FILES_LISTED = 100;
/** GET /billings/files/{id} returns this many invalid rows at most, by line. */
export const INVALID_ROWS_RETURNED = 1000;

const UTC_MICROS = 'UTC, ISO 8601 with microseconds, ending in Z.';
const count = (description: string) => ({ type: 'integer', minimum: 0, description });
const timestamp = (description: string) => ({ type: ['string', 'null'], description: `${description} ${UTC_MICROS}` });

const FILE_PROPERTIES = {
  id: { type: 'string', format: 'uuid' },
  name: { type: ['string', 'null'], description: 'The file name the multipart form gave; null for a raw text/csv upload.' },
  status: {
    type: 'string',
    enum: ['receiving', 'processing', 'done'],
    description:
      '`receiving`: the upload is streaming in (nothing of it is imported yet: rows counts the records parsed so far); ' +
      '`processing`: every valid row is committed, boletos and e-mails are under way; `done`: every imported debt has its e-mail sent or failed.',
  },
  rows: count('Data rows of the file (the header and blank lines are not rows); while receiving, the rows parsed so far.'),
  imported: count('Rows that became new debts.'),
  duplicates: count('Valid rows whose debtId already existed (or came earlier in the file): skipped.'),
  invalid: count('Rows refused (see invalidRows of GET /billings/files/{id}): skipped.'),
  boletosIssued: count('Imported debts whose boleto (payment line) is issued.'),
  emailsSent: count('Imported debts whose e-mail the SMTP server accepted.'),
  emailsFailed: count('Imported debts whose e-mail failed for good (an SMTP 5xx, or BILLING_EMAIL_MAX_ATTEMPTS attempts).'),
  bytesReceived: count('Bytes of the upload received so far (the whole file once committed).'),
  bytesTotal: { type: ['integer', 'null'], minimum: 0, description: 'The upload\'s Content-Length (the multipart envelope included) when the client sent one.' },
  progress: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    description: 'From 0 to 1: while receiving, the share of bytesTotal received (0 when unknown); then the share of imported debts settled (e-mail sent or failed).',
  },
  sha256: { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the CSV\'s bytes, hexadecimal; null while receiving. The same bytes uploaded again answer this record.' },
  createdAt: { type: 'string', description: `When the upload started. ${UTC_MICROS}` },
  importedAt: timestamp('When the import committed; null while receiving.'),
  doneAt: timestamp('When the file became done; null before.'),
} as const;
const FILE_REQUIRED = Object.keys(FILE_PROPERTIES);

export const FILE_SCHEMA = {
  type: 'object',
  description: 'An uploaded CSV file of debts and where its processing is.',
  properties: FILE_PROPERTIES,
  required: FILE_REQUIRED,
} as const;

export const FILES_SCHEMA = {
  type: 'array',
  description: `The ${FILES_LISTED} newest files at most, newest first.`,
  items: { $ref: '#/components/schemas/ArquivoCobranca' },
} as const;

export const FILE_DETAIL_SCHEMA = {
  type: 'object',
  description: 'A file record with its refused rows.',
  properties: {
    ...FILE_PROPERTIES,
    invalidRows: {
      type: 'array',
      description: `The refused rows by line, at most ${INVALID_ROWS_RETURNED} (invalidRowsTruncated tells when there are more; invalid counts them all).`,
      items: {
        type: 'object',
        properties: {
          line: { type: 'integer', minimum: 2, description: 'The CSV line where the row starts, the header being line 1.' },
          reason: { type: 'string' },
        },
        required: ['line', 'reason'],
      },
    },
    invalidRowsTruncated: { type: 'boolean' },
  },
  required: [...FILE_REQUIRED, 'invalidRows', 'invalidRowsTruncated'],
} as const;

// fast-json-stringify resolves no $ref across documents: the array serializer gets the item inline.
export const serializeFile = compileSerializer<FileView>(FILE_SCHEMA);
export const serializeFiles = compileSerializer<FileView[]>({ ...FILES_SCHEMA, items: FILE_SCHEMA });
export const serializeFileDetail = compileSerializer<FileDetailView>(FILE_DETAIL_SCHEMA);

export const BILLING_SCHEMAS = {
  ArquivoCobranca: FILE_SCHEMA,
  ArquivosCobranca: FILES_SCHEMA,
  ArquivoCobrancaDetalhe: FILE_DETAIL_SCHEMA,
} as const;
