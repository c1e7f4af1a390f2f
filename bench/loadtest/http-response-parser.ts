// A minimal incremental HTTP/1.1 response parser for one response per connection. The load
// generator speaks raw TCP (one new connection per virtual user, like Gatling without keep-alive)
// because node:http's client machinery costs several times more CPU per request, and an
// overloaded generator would pollute the latencies it measures.

const CRLF = 0x0a; // we search for "\n" and check the preceding "\r" where it matters
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');

type BodyMode = 'headers' | 'length' | 'chunked' | 'eof' | 'done';

export class ResponseParser {
  status = 0;
  /** Raw body bytes (de-chunked), valid once `complete` is true. */
  body: Buffer = EMPTY;
  complete = false;
  /** Set when the bytes received cannot be an HTTP/1.x response. */
  error: string | null = null;

  private mode: BodyMode = 'headers';
  private buf: Buffer = EMPTY;
  private expected = 0;
  private chunks: Buffer[] | null = null;
  private chunkPos = 0;

  reset(): void {
    this.status = 0;
    this.body = EMPTY;
    this.complete = false;
    this.error = null;
    this.mode = 'headers';
    this.buf = EMPTY;
    this.expected = 0;
    this.chunks = null;
    this.chunkPos = 0;
  }

  /** Feeds bytes; returns true once the response is complete or malformed. */
  feed(data: Buffer): boolean {
    if (this.complete || this.error !== null) return true;
    // Responses are small: the common case is one chunk, so avoid a copy then.
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    if (this.mode === 'headers' && !this.parseHeaders()) return this.error !== null;
    return this.advanceBody();
  }

  /** The peer closed the connection: a body delimited by EOF ends here, anything else is truncated. */
  finishOnEof(): boolean {
    if (this.complete) return true;
    if (this.mode === 'eof') {
      this.body = this.buf;
      this.complete = true;
      return true;
    }
    if (this.error === null) this.error = this.mode === 'headers' ? 'connection closed before response' : 'truncated response body';
    return true;
  }

  private parseHeaders(): boolean {
    for (;;) {
      const end = this.buf.indexOf(HEADER_END);
      if (end < 0) {
        if (this.buf.length > 64 * 1024) this.error = 'response header too large';
        return false;
      }
      const head = this.buf.toString('latin1', 0, end);
      this.buf = this.buf.subarray(end + 4);
      const firstLineEnd = head.indexOf('\r\n');
      const statusLine = firstLineEnd < 0 ? head : head.slice(0, firstLineEnd);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      if (m === null) {
        this.error = 'malformed status line';
        return false;
      }
      this.status = Number(m[1]);
      // 1xx responses precede the real one; skip them.
      if (this.status >= 100 && this.status < 200) continue;
      this.mode = 'eof';
      if (this.status === 204 || this.status === 304) {
        this.mode = 'done';
        return true;
      }
      let pos = firstLineEnd < 0 ? head.length : firstLineEnd + 2;
      while (pos < head.length) {
        let lineEnd = head.indexOf('\r\n', pos);
        if (lineEnd < 0) lineEnd = head.length;
        const colon = head.indexOf(':', pos);
        if (colon > pos && colon < lineEnd) {
          const name = head.slice(pos, colon).trim().toLowerCase();
          const value = head.slice(colon + 1, lineEnd).trim();
          if (name === 'transfer-encoding' && value.toLowerCase().includes('chunked')) {
            this.mode = 'chunked';
          } else if (name === 'content-length' && this.mode !== 'chunked') {
            const n = /^\d+$/.test(value) ? Number(value) : NaN;
            if (!Number.isSafeInteger(n)) {
              this.error = 'invalid content-length';
              return false;
            }
            this.mode = 'length';
            this.expected = n;
          }
        }
        pos = lineEnd + 2;
      }
      if (this.mode === 'chunked') this.chunks = [];
      return true;
    }
  }

  private advanceBody(): boolean {
    switch (this.mode) {
      case 'done':
        this.complete = true;
        return true;
      case 'length':
        if (this.buf.length < this.expected) return false;
        this.body = this.buf.subarray(0, this.expected);
        this.complete = true;
        return true;
      case 'chunked':
        return this.advanceChunks();
      default:
        return false; // 'eof' waits for the close; 'headers' waits for more bytes
    }
  }

  private advanceChunks(): boolean {
    const chunks = this.chunks!;
    for (;;) {
      const lineEnd = this.buf.indexOf(CRLF, this.chunkPos);
      if (lineEnd < 0) return false;
      const sizeLine = this.buf.toString('latin1', this.chunkPos, lineEnd).replace(/\r$/, '');
      const sizeText = sizeLine.split(';', 1)[0]!.trim();
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) {
        this.error = 'malformed chunk size';
        return true;
      }
      const size = parseInt(sizeText, 16);
      if (size === 0) {
        // Trailers are ignored: the last chunk is all we need to know the body is whole.
        this.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        this.complete = true;
        return true;
      }
      const dataStart = lineEnd + 1;
      if (this.buf.length < dataStart + size + 2) return false;
      chunks.push(this.buf.subarray(dataStart, dataStart + size));
      this.chunkPos = dataStart + size + 2;
    }
  }
}

const EMPTY = Buffer.alloc(0);
