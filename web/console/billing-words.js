// The billing module's file records in words: a file's name and its status as a person reads
// them. The status values are the billing module's (its OpenAPI schema); an unknown one is shown
// as it comes.

const STATUS_WORDS = {
  importing: 'importing',
  imported: 'imported, issuing boletos',
  processing: 'issuing boletos and e-mails',
  done: 'done',
  failed: 'failed',
};

/** Statuses after which nothing changes any more. */
const FINAL = new Set(['done', 'failed']);

export function statusLabel(status) {
  if (typeof status !== 'string') return 'unknown';
  return STATUS_WORDS[status] ?? status.replaceAll('_', ' ');
}

export function isFinal(status) {
  return FINAL.has(status);
}

export function fileLabel(file) {
  return file.filename ?? file.fileName ?? file.name ?? `file ${String(file.id).slice(0, 8)}`;
}
