// The billing module's file records in words: a file's name and its status as a person reads
// them. The status values are the billing module's (its OpenAPI schema ArquivoCobranca:
// receiving, processing, done); an unknown one is shown as it comes.

const STATUS_WORDS = {
  receiving: 'receiving the upload',
  processing: 'issuing boletos and e-mails',
  done: 'done',
};

/** The status after which nothing changes any more. */
const FINAL = new Set(['done']);

export function statusLabel(status) {
  if (typeof status !== 'string') return 'unknown';
  return STATUS_WORDS[status] ?? status.replaceAll('_', ' ');
}

/** The status with the record's progress (0 to 1) while it is not final, e.g. "issuing boletos and e-mails, 40%". */
export function statusWithProgress(file) {
  const words = statusLabel(file.status);
  if (isFinal(file.status) || typeof file.progress !== 'number') return words;
  return `${words}, ${Math.floor(file.progress * 100)}%`;
}

export function isFinal(status) {
  return FINAL.has(status);
}

export function fileLabel(file) {
  return file.name || `file ${String(file.id).slice(0, 8)}`;
}
