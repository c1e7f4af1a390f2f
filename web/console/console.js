// What the console's pages share: building elements (text only, never HTML from data: a CSV's
// names and an API's reasons are shown as text), formatting amounts and times, the API's errors
// in words, and a live stream (EventSource) that says in words whether it is connected.

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const money = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL' });
const integer = new Intl.NumberFormat('en-US');

/** Cents (the ledger's unit) as reais, e.g. 123456 -> R$ 1.234,56. */
export function formatCents(cents) {
  return typeof cents === 'number' ? money.format(cents / 100) : '—';
}

export function formatCount(value) {
  return typeof value === 'number' ? integer.format(value) : '—';
}

/** A time as the reader's local date and time, in a <time> element. */
export function timeElement(iso) {
  if (typeof iso !== 'string') return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return el('time', { datetime: date.toISOString() }, date.toLocaleString());
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The `erro` of an API error body, if the text is one. */
export function apiReason(text) {
  try {
    const body = JSON.parse(text);
    return typeof body?.erro === 'string' ? body.erro : undefined;
  } catch {
    return undefined;
  }
}

/** What an HTTP failure means to the person, in words. */
export function failureInWords(status, text, what) {
  const reason = apiReason(text);
  const said = reason ? ` The server said: “${reason}”.` : '';
  if (status === 0) return `${what} failed: the server could not be reached (network failure or the connection was lost). Check the connection and try again.`;
  if (status === 413) return `${what} failed: the file is larger than the server accepts (413 Payload Too Large).${said}`;
  if (status === 404) return `${what} failed: the server has no such route (404). Is the billing module running (MODULES)?${said}`;
  if (status === 400 || status === 415 || status === 422) return `${what} was refused (${status}).${said || ' The request was not valid.'}`;
  if (status === 503) return `${what} failed: the server is unavailable right now (503).${said} Try again in a moment.`;
  if (status >= 500) return `${what} failed: a fault on the server's side (${status}).${said}`;
  return `${what} failed with status ${status}.${said}`;
}

/**
 * Follows a server-sent events stream and reports its state in words to `status` (a live region).
 * A stream the server refused (not 200, e.g. 404 or 503) is retried every few seconds; one that
 * dropped is reconnected by the browser itself.
 * @param {string} url
 * @param {Record<string, (data: any) => void>} handlers  by event name, given the parsed data
 * @param {(words: string, state: 'connecting' | 'live' | 'down') => void} report
 */
export function followStream(url, handlers, report) {
  let source;
  let retry;
  const open = () => {
    report('Connecting to live updates…', 'connecting');
    source = new EventSource(url);
    source.addEventListener('open', () => report('Live: updates appear as they happen.', 'live'));
    for (const [event, handle] of Object.entries(handlers)) {
      source.addEventListener(event, (message) => {
        let data;
        try {
          data = JSON.parse(message.data);
        } catch {
          return;
        }
        handle(data);
      });
    }
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CONNECTING) {
        report('Connection to live updates lost; reconnecting…', 'connecting');
        return;
      }
      source.close();
      report('Live updates are unavailable right now (the server refused the stream); trying again in 5 seconds.', 'down');
      retry = setTimeout(open, 5000);
    });
  };
  open();
  return () => {
    clearTimeout(retry);
    source?.close();
  };
}

/** Replaces an element's children. */
export function replaceChildren(element, ...children) {
  element.replaceChildren(...children.flat().filter((child) => child !== undefined && child !== null));
}
