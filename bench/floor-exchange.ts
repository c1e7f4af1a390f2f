// The client side of bench/latency-floor.ts's socket layers: one request at a time on a plain
// TCP socket (TCP_NODELAY), resolved once the whole answer has arrived, failing instead of hanging.
import net from 'node:net';

/** A socket on which each send waits until `complete` says the whole answer has arrived. */
export class Exchange {
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;
  private waiting: { complete: (b: Buffer) => number | undefined; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.check();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => {
      this.closed = true;
      this.fail(new Error('connection closed before the whole answer arrived'));
    });
  }

  /** Rejects rather than hangs: on a closed connection, and after ROUND_TRIP_TIMEOUT_MS. */
  send(payload: string | Buffer, complete: (b: Buffer) => number | undefined): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the connection was closed (idle timeout?) before this request'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no whole answer within ${ROUND_TRIP_TIMEOUT_MS} ms`)), ROUND_TRIP_TIMEOUT_MS);
      const settle = <T>(then: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        then(value);
      };
      this.waiting = { complete, resolve: settle(resolve), reject: settle(reject) };
      this.socket.write(payload);
    });
  }

  private check(): void {
    if (!this.waiting) return;
    try {
      const length = this.waiting.complete(this.buffer);
      if (length === undefined) return;
      const answer = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve(answer);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

const ROUND_TRIP_TIMEOUT_MS = 5000;

export function connect(port: number): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(new Exchange(socket));
    });
  });
}
