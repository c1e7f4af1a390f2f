// One HTTP exchange on uWS: writes at most once, never after the client went away, always
// corked (one syscall), with `Connection: close` while draining, and records the request's
// latency by route template and status class when metrics are on.
import type { EdgeState } from './edge-state.js';
import type { ErrorCode } from './errors.js';
import { errorReply } from './error-status.js';
import type { RouteTimer } from './metrics.js';
import type { Responder } from './responder.js';
import type { HttpResponse } from './uws.js';

const OK = '200 OK';
const JSON_TYPE = 'application/json';
const NO_HEADERS: readonly (readonly [string, string])[] = [];

// The corked write reads these instead of a per-call closure.
let target: HttpResponse;
let targetStatus = '';
let targetType = '';
let targetBody: string | Uint8Array = '';
let targetHeaders: readonly (readonly [string, string])[] = NO_HEADERS;
let targetClose = false;

function writeCorked(): void {
  target.writeStatus(targetStatus);
  if (targetType !== '') target.writeHeader('Content-Type', targetType);
  for (let i = 0; i < targetHeaders.length; i++) target.writeHeader(targetHeaders[i]![0], targetHeaders[i]![1]);
  if (targetClose) target.writeHeader('Connection', 'close');
  target.end(targetBody, targetClose);
}

export class HttpResponder implements Responder {
  private done = false;
  private abortListener: (() => void) | undefined = undefined;
  /** Set while a streamed answer (stream()) is open: called once if the client goes away. */
  private streamClosed: (() => void) | undefined = undefined;
  private readonly startedAt: number;

  constructor(
    private readonly res: HttpResponse,
    private readonly edge: EdgeState,
    private readonly timer: RouteTimer | undefined,
  ) {
    edge.inFlight++;
    this.startedAt = timer === undefined ? 0 : performance.now();
    // Must be registered before any asynchronous step: writing after an abort is fatal in uWS.
    res.onAborted(() => {
      if (this.streamClosed !== undefined) {
        const closed = this.streamClosed;
        this.streamClosed = undefined;
        return closed();
      }
      if (this.done) return;
      this.finish();
      this.abortListener?.();
    });
  }

  /**
   * Calls `listener` once if the client goes away before it is answered. For a request that
   * holds something while it waits (a long poll: its place among the waiters, messages it
   * claimed), so that it gives it back; most routes need not know.
   */
  onAbort(listener: () => void): void {
    this.abortListener = listener;
  }

  /** True once answered or aborted: nothing more may be written. */
  get finished(): boolean {
    return this.done;
  }

  ok(json: string): void {
    this.write(OK, JSON_TYPE, json, NO_HEADERS, false);
  }

  /** Any status with a JSON body, e.g. `201 Created`. */
  json(status: string, json: string, headers: readonly (readonly [string, string])[] = NO_HEADERS): void {
    this.write(status, JSON_TYPE, json, headers, false);
  }

  /** Any status, content type and body (a metrics page, a static file). */
  send(status: string, contentType: string, body: string | Uint8Array, headers: readonly (readonly [string, string])[] = NO_HEADERS): void {
    this.write(status, contentType, body, headers, false);
  }

  /** 204 with these headers and no body nor Content-Type. */
  noContent(headers: readonly (readonly [string, string])[] = NO_HEADERS): void {
    this.write('204 No Content', '', '', headers, false);
  }

  fail(code: ErrorCode): void {
    const reply = errorReply(code);
    this.write(reply.status, JSON_TYPE, reply.body, NO_HEADERS, false);
  }

  /** Answers an error and closes the connection, e.g. when the rest of the body must not be read. */
  failAndClose(code: ErrorCode): void {
    const reply = errorReply(code);
    this.write(reply.status, JSON_TYPE, reply.body, NO_HEADERS, true);
  }

  /**
   * Starts a streamed answer (server-sent events): the status line and headers now, then the body
   * in pieces through the returned writer until end(), or until the client goes away (onClose,
   * once). From here on the request no longer counts as in flight: the drain does not wait for
   * it, so a module that streams ends its streams in its drain().
   */
  stream(status: string, contentType: string, headers: readonly (readonly [string, string])[], onClose: () => void): BodyWriter | undefined {
    if (this.done) return undefined;
    this.finish();
    const res = this.res;
    let open = true;
    this.streamClosed = () => {
      open = false;
      onClose();
    };
    res.cork(() => {
      res.writeStatus(status);
      res.writeHeader('Content-Type', contentType);
      for (const [name, value] of headers) res.writeHeader(name, value);
      // An empty write sends the headers (chunked transfer encoding follows).
      res.write('');
    });
    this.timer?.observe(status, performance.now() - this.startedAt);
    return {
      write: (text: string) => {
        if (!open) return false;
        let accepted = false;
        res.cork(() => {
          accepted = res.write(text);
        });
        return accepted;
      },
      onWritable: (listener: () => void) => {
        if (!open) return;
        res.onWritable(() => {
          listener();
          return true;
        });
      },
      end: () => {
        if (!open) return;
        open = false;
        this.streamClosed = undefined;
        // While draining, the connection closes too: an idle kept-alive one would hold the drain.
        res.cork(() => res.end('', this.edge.draining));
      },
      get open() {
        return open;
      },
    };
  }

  /** 405 with the Allow header naming the methods the path has. */
  methodNotAllowed(code: ErrorCode, allow: readonly (readonly [string, string])[]): void {
    const reply = errorReply(code);
    this.write(reply.status, JSON_TYPE, reply.body, allow, false);
  }

  private write(status: string, contentType: string, body: string | Uint8Array, headers: readonly (readonly [string, string])[], close: boolean): void {
    if (this.done) return;
    this.finish();
    target = this.res;
    targetStatus = status;
    targetType = contentType;
    targetBody = body;
    targetHeaders = headers;
    targetClose = close || this.edge.draining;
    this.res.cork(writeCorked);
    this.timer?.observe(status, performance.now() - this.startedAt);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.edge.inFlight--;
  }
}

/** The body of a streamed answer (HttpResponder.stream). */
export interface BodyWriter {
  /** Writes a piece, corked; false when the client's buffer is full or the stream is closed. */
  write(text: string): boolean;
  /** Calls `listener` once the output buffered by uWS has drained (after write returned false). */
  onWritable(listener: () => void): void;
  /** Ends the answer (idempotent). */
  end(): void;
  readonly open: boolean;
}
