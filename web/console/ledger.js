// The live ledger view: renders each snapshot of GET /console/ledger/events.
import { el, formatCents, formatCount, followStream, replaceChildren, timeElement } from './console.js';

const live = document.getElementById('ledger-live');
const problem = document.getElementById('ledger-error');
const takenAt = document.getElementById('taken-at');

function figures(target, rows) {
  replaceChildren(target, rows.flatMap(([term, value, key]) => [el('dt', {}, term), el('dd', { 'data-figure': key }, value)]));
}

function render(snapshot) {
  problem.textContent = '';
  replaceChildren(takenAt, timeElement(snapshot.takenAt));
  replaceChildren(
    document.querySelector('#accounts-table tbody'),
    snapshot.accounts.map((account) =>
      el(
        'tr',
        { 'data-account': account.id },
        el('th', { scope: 'row' }, `#${account.id}`),
        el('td', { class: `num ${account.saldo < 0 ? 'negative' : ''}`, 'data-saldo': account.saldo }, formatCents(account.saldo)),
        el('td', { class: 'num' }, formatCents(account.limite)),
      ),
    ),
  );
  document.getElementById('transactions-empty').hidden = snapshot.transactions.length > 0;
  replaceChildren(
    document.querySelector('#transactions-table tbody'),
    snapshot.transactions.map((t) =>
      el(
        'tr',
        {},
        el('td', {}, timeElement(t.realizadaEm)),
        el('td', {}, `#${t.clienteId}`),
        el('td', {}, t.tipo === 'c' ? 'credit' : 'debit'),
        el('td', { class: `num ${t.tipo === 'd' ? 'negative' : ''}` }, `${t.tipo === 'd' ? '−' : '+'}${formatCents(t.valor)}`),
        el('td', {}, t.descricao),
      ),
    ),
  );
  const transfers = snapshot.transfers;
  const newest = transfers.newest[0];
  figures(document.getElementById('transfers-figures'), [
    ['Transfers made', formatCount(transfers.count), 'count'],
    ['Total moved', formatCents(transfers.totalValue), 'totalValue'],
    ['Newest', newest ? [formatCents(newest.value), ', ', timeElement(newest.createdAt)] : 'none yet', 'newest'],
    ['Notifications waiting', formatCount(transfers.pendingNotifications), 'pendingNotifications'],
    ['Notifications dead', formatCount(transfers.deadNotifications), 'deadNotifications'],
  ]);
  const pix = snapshot.pix;
  figures(document.getElementById('pix-figures'), [
    ['Streams open', formatCount(pix.openStreams), 'openStreams'],
    ['Receivers streaming', formatCount(pix.receiversStreaming), 'receiversStreaming'],
    ['Messages waiting', formatCount(pix.availableMessages), 'availableMessages'],
    ['Messages not yet acknowledged', formatCount(pix.unacknowledgedMessages), 'unacknowledgedMessages'],
  ]);
}

followStream(
  '/console/ledger/events',
  {
    snapshot: render,
    unavailable(body) {
      problem.textContent = `The ledger cannot be read right now: ${body?.erro ?? 'the database did not answer'}. The view resumes by itself.`;
    },
  },
  (words, state) => {
    live.textContent = words;
    live.dataset.state = state;
  },
);
