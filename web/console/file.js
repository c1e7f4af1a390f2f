// A file's page: its record from GET /billings/files/{id} (counts per state, invalid rows),
// fetched again whenever the live list of files (GET /billings/files/events) shows it changed.
import { apiReason, el, failureInWords, followStream, formatCount, replaceChildren } from './console.js';
import { fileLabel, isFinal, statusLabel } from './billing-words.js';

const id = decodeURIComponent(location.pathname.split('/').pop() ?? '');
const title = document.getElementById('file-title');
const live = document.getElementById('file-live');
const problem = document.getElementById('file-error');
const countsSection = document.getElementById('counts-section');
const invalidSection = document.getElementById('invalid-section');
const statusText = document.getElementById('file-status');
const progress = document.getElementById('file-progress');
const progressText = document.getElementById('file-progress-text');

const COUNTS = [
  ['rows', 'Data rows in the file'],
  ['imported', 'Imported (new debts)'],
  ['duplicates', 'Duplicates (debt already known, skipped)'],
  ['invalid', 'Invalid rows (skipped)'],
  ['boletosIssued', 'Boletos issued'],
  ['emailsSent', 'E-mails sent'],
  ['emailsFailed', 'E-mails failed'],
];

let lastSeen;
let fetching = false;
let again = false;

async function load() {
  if (fetching) {
    again = true;
    return;
  }
  fetching = true;
  try {
    const response = await fetch(`/billings/files/${encodeURIComponent(id)}`, { headers: { Accept: 'application/json' } });
    const text = await response.text();
    if (response.status === 404 && apiReason(text) !== 'rota não encontrada') {
      problem.textContent = `There is no uploaded file with the id “${id}”.`;
      countsSection.hidden = true;
      invalidSection.hidden = true;
      return;
    }
    if (!response.ok) {
      problem.textContent = failureInWords(response.status, text, 'Loading this file');
      return;
    }
    problem.textContent = '';
    render(JSON.parse(text));
  } catch {
    problem.textContent = failureInWords(0, '', 'Loading this file');
  } finally {
    fetching = false;
    if (again) {
      again = false;
      void load();
    }
  }
}

function render(file) {
  title.textContent = fileLabel(file);
  document.title = `${fileLabel(file)} · crébitos console`;
  statusText.textContent = statusLabel(file.status);
  statusText.dataset.status = file.status;
  countsSection.hidden = false;
  invalidSection.hidden = false;
  // The record's progress: the share of the upload received, then of the debts settled.
  const percent = typeof file.progress === 'number' ? Math.floor(file.progress * 100) : isFinal(file.status) ? 100 : 0;
  progress.value = percent;
  progressText.textContent = `${percent}%`;
  replaceChildren(
    document.querySelector('#counts-table tbody'),
    COUNTS.map(([key, words]) => el('tr', { 'data-count': key }, el('th', { scope: 'row' }, words), el('td', { class: 'num' }, formatCount(file[key])))),
  );
  const invalidRows = Array.isArray(file.invalidRows) ? file.invalidRows : [];
  document.getElementById('invalid-empty').hidden = invalidRows.length > 0;
  document.getElementById('invalid-truncated').hidden = file.invalidRowsTruncated !== true;
  replaceChildren(
    document.querySelector('#invalid-table tbody'),
    invalidRows.map((row) => el('tr', {}, el('td', { class: 'num' }, String(row.line)), el('td', {}, String(row.reason)))),
  );
}

if (id === '') {
  problem.textContent = 'This address names no file.';
} else {
  void load();
  followStream(
    '/billings/files/events',
    {
      files(files) {
        const record = Array.isArray(files) ? files.find((file) => file.id === id) : undefined;
        const seen = JSON.stringify(record ?? null);
        if (seen !== lastSeen) {
          lastSeen = seen;
          void load();
        }
      },
    },
    (words, state) => {
      live.textContent = words;
      live.dataset.state = state;
    },
  );
}
