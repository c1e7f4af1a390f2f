// HTTP/1.1 over a bare socket, for what fetch and node:http will not do: send invalid bytes or
// broken framing, dribble a request, keep a connection open across a restart, and see exactly
// what the server does with the connection (Connection: close, closing it, never answering).
import net from 'node:net';
import type { LoadRequest, Outcome } from './load.js';

export interface RawResponse {
  status: number;
  /** Header names lower-cased; the last of duplicates wins. */
  headers: Record<string, string>;
  body: Buffer;
}

export class RawConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private closedFlag = false;
  /** Resolves when the connection closed (either side). */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('error', () => {}); // a reset shows up as a close
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedFlag = true;
        this.wake?.();
        resolve();
      }),
    );
  }

  static open(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => socket.destroy(new Error(`connect to ${port} timed out`)), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Writes bytes; resolves once handed to the kernel. False when the connection is gone. */
  write(bytes: Buffer | string): Promise<boolean> {
    if (this.closedFlag || this.socket.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => this.socket.write(bytes, (error) => resolve(!error)));
  }

  /** Half-closes: we send nothing more. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * The next complete response, or undefined when none came within timeoutMs or the connection
   * closed first. `head`: the request was HEAD, so the response has no body.
   */
  async readResponse(timeoutMs: number, head = false): Promise<RawResponse | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseResponse(this.buffer, head, this.closedFlag);
      if (parsed !== undefined) {
        this.buffer = this.buffer.subarray(parsed.consumed);
        if (parsed.response.status >= 200) return parsed.response;
        continue; // an interim answer (100 Continue): the final one follows
      }
      if (this.closedFlag) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Resolves true if the connection closes within timeoutMs. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return closed;
  }
}

/** One request on a fresh connection: the first response (or undefined), then the socket is dropped. */
export async function rawExchange(port: number, bytes: Buffer | string, timeoutMs: number, head = false): Promise<RawResponse | undefined> {
  const connection = await RawConnection.open(port);
  try {
    await connection.write(bytes);
    return await connection.readResponse(timeoutMs, head);
  } finally {
    connection.destroy();
  }
}

/**
 * Sends a load request on a new connection of its own (Connection: close). Resolves once the
 * request is written, so a caller can order its sends; `outcome` settles with the answer (status
 * 0 when none came within timeoutMs), as the load helpers record it.
 */
export async function sendOnNewConnection(request: LoadRequest, timeoutMs: number): Promise<{ outcome: Promise<Outcome> }> {
  const connection = await RawConnection.open(request.port);
  const sentAt = Date.now();
  const headers: Record<string, string> = request.body === undefined ? { Connection: 'close' } : { 'Content-Type': 'application/json', Connection: 'close' };
  await connection.write(formatRequest(request.method, request.path, request.body, headers));
  const outcome = connection.readResponse(timeoutMs).then((response): Outcome => {
    connection.destroy();
    return { request, status: response?.status ?? 0, body: response?.body.toString('utf8') ?? '', connection: response?.headers.connection ?? '', sentAt, answeredAt: Date.now() };
  });
  return { outcome };
}

/** A well-formed request, with Content-Length when there is a body. */
export function formatRequest(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: localhost'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (body !== undefined) lines.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), payload]);
}

function parseResponse(data: Buffer, head: boolean, closed: boolean): { response: RawResponse; consumed: number } | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
  const status = Number(match[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bodyStart = end + 4;
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { response: { status, headers, body: Buffer.alloc(0) }, consumed: bodyStart };
  }
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (data.length - bodyStart < length) return undefined;
    return { response: { status, headers, body: data.subarray(bodyStart, bodyStart + length) }, consumed: bodyStart + length };
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const chunks: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = data.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        const trailerEnd = data.indexOf('\r\n\r\n', lineEnd);
        if (trailerEnd < 0) return undefined;
        return { response: { status, headers, body: Buffer.concat(chunks) }, consumed: trailerEnd + 4 };
      }
      if (data.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  // No length: the body runs to the end of the connection.
  if (!closed) return undefined;
  return { response: { status, headers, body: data.subarray(bodyStart) }, consumed: data.length };
}
