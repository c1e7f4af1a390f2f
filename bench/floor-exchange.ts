// The client side of bench/latency-floor.ts's socket layers: one request at a time on a plain
// TCP socket (TCP_NODELAY), resolved once the whole answer has arrived, failing instead of hanging.
import net from 'node:net';

/**
 * How a connection knows its answer is whole: kit/http-response.ts's HttpResponseReader for the
 * HTTP layers, `EchoFraming` for tcp-echo.
 */
export interface Framing {
  /** Starts on the next answer with the bytes left over from the last; true when they make it whole. */
  next(): boolean;
  /** More bytes; true once the answer is whole or cannot be (then `error` says why). */
  feed(chunk: Buffer): boolean;
  /** The peer closed: true when that ends the answer (a body delimited by EOF). */
  finishOnEof?(): boolean;
  readonly error: string | null;
}

/** An echo's answer: as many bytes as were sent. */
export class EchoFraming implements Framing {
  error: string | null = null;
  private received = 0;
  constructor(private readonly expected: number) {}
  next(): boolean {
    this.received = Math.max(0, this.received - this.expected);
    return this.received >= this.expected;
  }
  feed(chunk: Buffer): boolean {
    this.received += chunk.length;
    return this.received >= this.expected;
  }
}

/** A socket on which each send waits until its framing says the whole answer has arrived. */
export class FloorConnection<F extends Framing = Framing> {
  /** Bytes that came while no request was waiting. */
  private early: Buffer[] = [];
  private closed = false;
  private waiting: { resolve: (framing: F) => void; reject: (e: Error) => void } | undefined;

  constructor(
    readonly socket: net.Socket,
    readonly framing: F,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.waiting) this.check(this.framing.feed(chunk));
      else this.early.push(chunk);
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => {
      this.closed = true;
      if (this.waiting && this.framing.finishOnEof?.() && this.framing.error === null) this.check(true);
      else this.fail(new Error('connection closed before the whole answer arrived'));
    });
  }

  /** Rejects rather than hangs: on a closed connection, and after ROUND_TRIP_TIMEOUT_MS. Resolves with the framing, holding the answer. */
  send(payload: string | Buffer): Promise<F> {
    if (this.closed) return Promise.reject(new Error('the connection was closed (idle timeout?) before this request'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no whole answer within ${ROUND_TRIP_TIMEOUT_MS} ms`)), ROUND_TRIP_TIMEOUT_MS);
      const settle = <T>(then: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        then(value);
      };
      this.waiting = { resolve: settle(resolve), reject: settle(reject) };
      this.socket.write(payload);
      let done = this.framing.next();
      while (!done && this.early.length > 0) done = this.framing.feed(this.early.shift()!);
      this.check(done);
    });
  }

  private check(done: boolean): void {
    if (!done || !this.waiting) return;
    if (this.framing.error !== null) {
      this.fail(new Error(this.framing.error));
      return;
    }
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(this.framing);
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

const ROUND_TRIP_TIMEOUT_MS = 5000;

export function connect<F extends Framing>(port: number, framing: F): Promise<FloorConnection<F>> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(new FloorConnection(socket, framing));
    });
  });
}
