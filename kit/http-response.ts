// The tooling's one incremental HTTP/1.1 response reader: the loadtest, bench:floor and the raw test client feed it socket chunks.
//
// It reads one response at a time from a stream of chunks: status, optionally the headers, and
// the body delimited by Content-Length, chunked encoding, or the end of the connection. Bytes
// after a complete response (a pipelined next one) are kept for `next()`. The loadtest calls it
// thousands of times a second, so the common case (a whole response in one chunk) copies no
// bytes and nothing is allocated per byte: the head is decoded once, the body is a subarray.

const LF = 0x0a;
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
/** A head larger than this is not a response this tooling expects: an error, not a buffer that grows. */
export const MAX_HEAD_BYTES = 64 * 1024;

type Mode = 'head' | 'length' | 'chunked' | 'trailers' | 'eof' | 'done';

export interface ResponseReaderOptions {
  /** Keep the final response's headers in `headers` (names lower-cased, the last duplicate wins). Off: the loadtest needs none. */
  keepHeaders?: boolean;
}

export interface NextResponseOptions {
  /** The request was HEAD: the response has no body whatever its headers say. */
  noBody?: boolean;
}

export class HttpResponseReader {
  /** Status of the final (non-1xx) response; interim 1xx responses are skipped. */
  status = 0;
  /** With `keepHeaders`: the final response's headers. */
  headers: Record<string, string> = {};
  /** Body bytes (de-chunked), valid once `complete`. */
  body: Buffer = EMPTY;
  complete = false;
  /** Set when the bytes cannot be an HTTP/1.x response, or the connection ended before it was whole. */
  error: string | null = null;
  /** Once complete: bytes of the stream this response took (interim responses, head, body, framing). */
  length = 0;

  private readonly keepHeaders: boolean;
  private noBody = false;
  private mode: Mode = 'head';
  /** Unread bytes of this response; once it is complete, the bytes after it. */
  private buf: Buffer = EMPTY;
  private consumed = 0;
  private expected = 0;
  private chunks: Buffer[] = [];
  private chunkPos = 0;

  constructor(options: ResponseReaderOptions = {}) {
    this.keepHeaders = options.keepHeaders ?? false;
  }

  /** Forgets everything, bytes included: ready for a new connection. */
  reset(options: NextResponseOptions = {}): void {
    this.clear(options);
    this.buf = EMPTY;
  }

  /**
   * Moves on to the next response on the same connection, starting with the bytes received after
   * the last one; returns true when those already make it whole. While a response is still
   * incomplete this keeps reading it (a caller that timed out may wait again).
   */
  next(options: NextResponseOptions = {}): boolean {
    if (!this.complete && this.error === null) {
      if (this.mode === 'head') this.noBody = options.noBody ?? false;
      return false;
    }
    const rest = this.buf;
    this.clear(options);
    this.buf = rest;
    return rest.length > 0 && this.advance();
  }

  /** Feeds bytes; returns true once the response is complete or malformed. After that, bytes are kept for `next()`. */
  feed(data: Buffer): boolean {
    // Responses are small: the common case is one chunk, so avoid a copy then.
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    if (this.complete || this.error !== null) return true;
    return this.advance();
  }

  /** The peer closed the connection: a body delimited by EOF ends here, anything else is truncated. */
  finishOnEof(): boolean {
    if (this.complete || this.error !== null) return true;
    if (this.mode === 'eof') {
      this.body = this.buf;
      this.finish(this.buf.length);
      return true;
    }
    this.error = this.mode === 'head' ? 'connection closed before response' : 'truncated response body';
    return true;
  }

  private clear(options: NextResponseOptions): void {
    this.status = 0;
    if (this.keepHeaders) this.headers = {};
    this.body = EMPTY;
    this.complete = false;
    this.error = null;
    this.length = 0;
    this.noBody = options.noBody ?? false;
    this.mode = 'head';
    this.consumed = 0;
    this.expected = 0;
    if (this.chunks.length > 0) this.chunks = [];
    this.chunkPos = 0;
  }

  private advance(): boolean {
    if (this.mode === 'head' && !this.parseHead()) return this.error !== null;
    switch (this.mode) {
      case 'done':
        this.finish(0);
        return true;
      case 'length':
        if (this.buf.length < this.expected) return false;
        this.body = this.buf.subarray(0, this.expected);
        this.finish(this.expected);
        return true;
      case 'chunked':
      case 'trailers':
        return this.advanceChunks();
      default:
        return false; // 'eof' waits for the close
    }
  }

  /** The response is whole and took `bodyBytes` more of `buf`: what follows is the next one's. */
  private finish(bodyBytes: number): void {
    this.consumed += bodyBytes;
    this.buf = bodyBytes === this.buf.length ? EMPTY : this.buf.subarray(bodyBytes);
    this.length = this.consumed;
    this.complete = true;
  }

  private parseHead(): boolean {
    for (;;) {
      const end = this.buf.indexOf(HEADER_END);
      if (end < 0) {
        if (this.buf.length > MAX_HEAD_BYTES) this.error = 'response header too large';
        return false;
      }
      const head = this.buf.toString('latin1', 0, end);
      this.buf = this.buf.subarray(end + 4);
      this.consumed += end + 4;
      const firstLineEnd = head.indexOf('\r\n');
      const statusLine = firstLineEnd < 0 ? head : head.slice(0, firstLineEnd);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      if (m === null) {
        this.error = `malformed status line (not an HTTP response): ${JSON.stringify(statusLine.slice(0, 80))}`;
        return false;
      }
      this.status = Number(m[1]);
      // 1xx responses precede the real one; skip them.
      if (this.status >= 100 && this.status < 200) continue;
      const bodiless = this.noBody || this.status === 204 || this.status === 304;
      // Without a length, the body runs to the end of the connection.
      this.mode = bodiless ? 'done' : 'eof';
      if (bodiless && !this.keepHeaders) return true;
      let pos = firstLineEnd < 0 ? head.length : firstLineEnd + 2;
      while (pos < head.length) {
        let lineEnd = head.indexOf('\r\n', pos);
        if (lineEnd < 0) lineEnd = head.length;
        const colon = head.indexOf(':', pos);
        if (colon > pos && colon < lineEnd) {
          const name = head.slice(pos, colon).trim().toLowerCase();
          const value = head.slice(colon + 1, lineEnd).trim();
          if (this.keepHeaders) this.headers[name] = value;
          if (bodiless) {
            // only the headers are wanted
          } else if (name === 'transfer-encoding' && value.toLowerCase().includes('chunked')) {
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
      return true;
    }
  }

  private advanceChunks(): boolean {
    for (;;) {
      const lineEnd = this.buf.indexOf(LF, this.chunkPos);
      if (lineEnd < 0) return false;
      if (this.mode === 'trailers') {
        // After the last chunk: trailer lines (ignored) up to an empty line.
        const blank = this.buf[this.chunkPos] === 0x0d ? this.chunkPos + 1 : this.chunkPos;
        this.chunkPos = lineEnd + 1;
        if (lineEnd !== blank) continue;
        this.body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
        this.finish(this.chunkPos);
        return true;
      }
      const sizeLine = this.buf.toString('latin1', this.chunkPos, lineEnd);
      const sizeText = sizeLine.split(';', 1)[0]!.trim();
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) {
        this.error = 'malformed chunk size';
        return true;
      }
      const size = parseInt(sizeText, 16);
      const dataStart = lineEnd + 1;
      if (size === 0) {
        this.mode = 'trailers';
        this.chunkPos = dataStart;
        continue;
      }
      if (this.buf.length < dataStart + size + 2) return false;
      this.chunks.push(this.buf.subarray(dataStart, dataStart + size));
      this.chunkPos = dataStart + size + 2;
    }
  }
}
