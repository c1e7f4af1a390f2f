// The console's home: the upload form (preview parsed in the browser from the file's first
// 64 KiB, a progress bar from XMLHttpRequest's upload events, errors in words) and the table of
// uploaded files, live from GET /billings/files/events.
import { el, failureInWords, followStream, formatBytes, formatCount, replaceChildren, timeElement } from './console.js';
import { parseCsvPreview } from './csv-preview.js';
import { fileLabel, isFinal, statusLabel, statusWithProgress } from './billing-words.js';

const PREVIEW_BYTES = 64 * 1024;
const PREVIEW_ROWS = 5;
const UPLOAD_URL = '/billings/csv/upload';

const form = document.getElementById('upload-form');
const input = document.getElementById('file');
const summary = document.getElementById('file-summary');
const preview = document.getElementById('preview');
const previewProblem = document.getElementById('preview-problem');
const previewTable = document.getElementById('preview-table');
const button = document.getElementById('upload-button');
const cancel = document.getElementById('cancel-button');
const progressRow = document.getElementById('progress-row');
const progress = document.getElementById('upload-progress');
const progressText = document.getElementById('progress-text');
const status = document.getElementById('upload-status');
const error = document.getElementById('upload-error');

let upload;

input.addEventListener('change', () => {
  error.textContent = '';
  status.textContent = '';
  const file = input.files[0];
  if (!file) {
    summary.textContent = '';
    preview.hidden = true;
    return;
  }
  summary.textContent = `${file.name}, ${formatBytes(file.size)}.`;
  showPreview(file).catch(() => {
    preview.hidden = true;
    previewProblem.hidden = false;
    previewProblem.textContent = 'The file could not be read for a preview.';
  });
});

async function showPreview(file) {
  const text = await file.slice(0, PREVIEW_BYTES).text();
  const parsed = parseCsvPreview(text, PREVIEW_ROWS, file.size <= PREVIEW_BYTES);
  previewProblem.hidden = parsed.headerProblem === undefined;
  previewProblem.textContent = parsed.headerProblem ?? '';
  const head = previewTable.tHead;
  replaceChildren(head, el('tr', {}, el('th', { scope: 'col' }, 'Line'), parsed.header.map((name) => el('th', { scope: 'col' }, name))));
  replaceChildren(
    previewTable.tBodies[0],
    parsed.rows.map((row, i) => el('tr', {}, el('th', { scope: 'row' }, String(i + 2)), row.map((value) => el('td', {}, value)))),
  );
  if (parsed.rows.length === 0 && parsed.header.length > 0) {
    replaceChildren(previewTable.tBodies[0], el('tr', {}, el('td', { colspan: parsed.header.length + 1 }, 'No data row in the first 64 KiB.')));
  }
  preview.hidden = false;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  error.textContent = '';
  const file = input.files[0];
  if (!file) {
    error.textContent = 'Choose a CSV file first.';
    input.focus();
    return;
  }
  send(file);
});

cancel.addEventListener('click', () => upload?.abort());

function send(file) {
  const body = new FormData();
  body.append('file', file, file.name);
  const xhr = new XMLHttpRequest();
  upload = xhr;
  xhr.open('POST', UPLOAD_URL);
  xhr.setRequestHeader('Accept', 'application/json');
  button.disabled = true;
  cancel.hidden = false;
  progressRow.hidden = false;
  progress.value = 0;
  progressText.textContent = '0%';
  status.textContent = `Uploading ${file.name}…`;
  let announced = 0;
  xhr.upload.addEventListener('progress', (event) => {
    if (!event.lengthComputable) return;
    const percent = Math.floor((event.loaded / event.total) * 100);
    progress.value = percent;
    progressText.textContent = `${percent}% (${formatBytes(event.loaded)} of ${formatBytes(event.total)})`;
    // The live region speaks every quarter, not every event.
    if (percent >= announced + 25) {
      announced = percent - (percent % 25);
      status.textContent = `Uploading ${file.name}: ${announced}%.`;
    }
  });
  xhr.upload.addEventListener('load', () => {
    progress.value = 100;
    progressText.textContent = '100%';
    status.textContent = `${file.name} sent; the server is importing its rows…`;
  });
  const done = () => {
    button.disabled = false;
    cancel.hidden = true;
    upload = undefined;
  };
  xhr.addEventListener('load', () => {
    done();
    if (xhr.status === 200 || xhr.status === 201) {
      let record;
      try {
        record = JSON.parse(xhr.responseText);
      } catch {
        record = {};
      }
      const counts = `${formatCount(record.rows)} rows, ${formatCount(record.imported)} new debts, ${formatCount(record.duplicates)} duplicates, ${formatCount(record.invalid)} invalid`;
      // 200, not 201: the same bytes were uploaded before, and the answer is that first file's record.
      status.textContent =
        xhr.status === 200
          ? `${file.name} was already uploaded (the same content${record.name ? `, as ${record.name}` : ''}): nothing new was imported. Its record: ${counts}.`
          : `${file.name} imported: ${counts}. Its boletos and e-mails follow in the table below.`;
      form.reset();
      summary.textContent = '';
      preview.hidden = true;
      return;
    }
    progressRow.hidden = true;
    status.textContent = '';
    error.textContent = failureInWords(xhr.status, xhr.responseText, `The upload of ${file.name}`);
  });
  xhr.addEventListener('error', () => {
    done();
    progressRow.hidden = true;
    status.textContent = '';
    error.textContent = failureInWords(0, '', `The upload of ${file.name}`);
  });
  xhr.addEventListener('abort', () => {
    done();
    progressRow.hidden = true;
    status.textContent = `The upload of ${file.name} was cancelled; nothing of it was kept unless the server had already committed it.`;
  });
  xhr.send(body);
}

// The table of files, live.
const filesBody = document.querySelector('#files-table tbody');
const filesEmpty = document.getElementById('files-empty');
const filesLive = document.getElementById('files-live');
const filesChanges = document.getElementById('files-changes');
const lastStatus = new Map();
/** True once the first list was shown (its files are not announced). */
let listed = false;

function renderFiles(files) {
  if (!Array.isArray(files)) return;
  filesEmpty.hidden = files.length > 0;
  const changes = [];
  replaceChildren(
    filesBody,
    files.map((file) => {
      // Announced: a file that appears after the first list, and every change of status.
      const previous = lastStatus.get(file.id);
      if (previous === undefined && listed) changes.push(`${fileLabel(file)} was uploaded: ${statusLabel(file.status)}.`);
      else if (previous !== undefined && previous !== file.status) changes.push(`${fileLabel(file)} is now ${statusLabel(file.status)}.`);
      lastStatus.set(file.id, file.status);
      return el(
        'tr',
        { 'data-file-id': file.id, 'data-status': file.status },
        el('th', { scope: 'row' }, el('a', { href: `/console/files/${encodeURIComponent(file.id)}` }, fileLabel(file))),
        el('td', {}, timeElement(file.createdAt)),
        el('td', {}, el('span', { class: `badge ${isFinal(file.status) ? 'final' : ''}` }, statusWithProgress(file))),
        ...['rows', 'imported', 'duplicates', 'invalid', 'boletosIssued', 'emailsSent'].map((key) => el('td', { class: 'num', 'data-count': key }, formatCount(file[key]))),
      );
    }),
  );
  if (changes.length > 0) filesChanges.textContent = changes.join(' ');
  listed = true;
}

followStream('/billings/files/events', { files: renderFiles }, (words, state) => {
  filesLive.textContent = words;
  filesLive.dataset.state = state;
});
