// HTTP/1.1 over a bare socket, for what fetch and node:http will not do: send invalid bytes or
// broken framing, dribble a request, keep a connection open across a restart, and see exactly
// what the server does with the connection (Connection: close, closing it, never answering).
import net from 'node:net';
import { HttpResponseReader } from '../../kit/http-response.js';
import type { LoadRequest, RequestOutcome } from './load.js';

export interface RawResponse {
  status: number;
  /** Header names lower-cased; the last of duplicates wins. */
  headers: Record<string, string>;
  body: Buffer;
}

export class RawConnection {
  /** Bytes received and not yet given to the reader (they may belong to a HEAD's answer). */
  private pending: Buffer[] = [];
  private readonly reader = new HttpResponseReader({ keepHeaders: true });
  private wake: (() => void) | undefined;
  private closedFlag = false;
  /** Resolves when the connection closed (either side). */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending.push(chunk);
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
    // Not a poll: it sleeps until bytes come, the connection closes or time is up (kit/poll.ts polls).
    const deadline = Date.now() + timeoutMs;
    const reader = this.reader;
    // Interim answers (100 Continue) are skipped by the reader: the final one follows.
    let done = reader.next({ noBody: head });
    for (;;) {
      while (!done && this.pending.length > 0) done = reader.feed(this.pending.shift()!);
      if (!done && this.closedFlag) done = reader.finishOnEof() && reader.complete;
      if (done) {
        if (reader.error !== null) throw new Error(`not an HTTP response: ${reader.error}`);
        return { status: reader.status, headers: reader.headers, body: reader.body };
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
export async function sendOnNewConnection(request: LoadRequest, timeoutMs: number): Promise<{ outcome: Promise<RequestOutcome> }> {
  const connection = await RawConnection.open(request.port);
  const sentAt = Date.now();
  const headers: Record<string, string> = request.body === undefined ? { Connection: 'close' } : { 'Content-Type': 'application/json', Connection: 'close' };
  await connection.write(formatRequest(request.method, request.path, request.body, headers));
  const outcome = connection.readResponse(timeoutMs).then((response): RequestOutcome => {
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
