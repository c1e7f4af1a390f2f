// Streams a large request body (a CSV upload) from uWS into a Node Readable, with backpressure
// both ways: when the reader falls behind (the Readable's buffer is full) the socket is paused
// (res.pause: uWS stops reading it, TCP pushes back on the client, nginx passes that on), and
// resumed when the reader asks for more. Bounded by maxBytes: beyond it the stream fails with
// BodyStreamError('too_large') and the rest is never read. Small JSON bodies use body.ts.
import { Readable } from 'node:stream';
import type { HttpResponder } from './http-responder.js';
import type { HttpResponse } from './uws.js';

export class BodyStreamError extends Error {
  constructor(
    readonly kind: 'too_large' | 'aborted' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'BodyStreamError';
  }
}

export interface StreamedBody {
  readonly stream: Readable;
  /** Bytes received so far. */
  received(): number;
}

/** Starts reading the body; call from the handler, before any asynchronous step. */
export function streamBody(res: HttpResponse, responder: HttpResponder, maxBytes: number, highWaterMark = 64 * 1024): StreamedBody {
  let received = 0;
  let paused = false;
  const stream = new Readable({
    highWaterMark,
    read() {
      if (paused && !responder.finished) {
        paused = false;
        res.resume();
      }
    },
  });
  responder.onAbort(() => stream.destroy(new BodyStreamError('aborted', 'the client went away before the body ended')));
  res.onData((chunk, isLast) => {
    if (stream.destroyed || responder.finished) return;
    received += chunk.byteLength;
    if (received > maxBytes) {
      stream.destroy(new BodyStreamError('too_large', `body larger than ${maxBytes} bytes`));
      return;
    }
    // uWS reuses the chunk's memory after this callback returns: copy it.
    if (chunk.byteLength > 0 && !stream.push(Buffer.from(new Uint8Array(chunk))) && !isLast && !paused) {
      paused = true;
      res.pause();
    }
    if (isLast) stream.push(null);
  });
  return { stream, received: () => received };
}
