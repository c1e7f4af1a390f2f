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

/** A response that stays open (see HttpResponder.stream). */
export interface ResponseStream {
  /** True once ended or the client went away: writes are ignored. */
  readonly closed: boolean;
  /** Sends a chunk; false when uWS had to buffer it (the client reads slower than we write). */
  write(chunk: string): boolean;
  /** Calls `listener` when the buffered output has drained (after a write returned false). */
  onWritable(listener: () => void): void;
  /** Ends the response and closes the connection (a browser's EventSource then reconnects). */
  end(): void;
}

export class HttpResponder implements Responder {
  private done = false;
  private abortListener: (() => void) | undefined = undefined;
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
   * Starts a response that stays open (server-sent events): writes the status, the headers and a
   * first chunk now, and hands back a stream to write more and end it. The request stays in
   * flight (the drain waits for it) until the stream ends or the client goes away, so a module
   * that opens streams must end them in its drain(). Undefined if already answered or aborted.
   */
  stream(status: string, contentType: string, headers: readonly (readonly [string, string])[], first: string): ResponseStream | undefined {
    if (this.done) return undefined;
    const res = this.res;
    res.cork(() => {
      res.writeStatus(status);
      res.writeHeader('Content-Type', contentType);
      for (let i = 0; i < headers.length; i++) res.writeHeader(headers[i]![0], headers[i]![1]);
      res.write(first);
    });
    this.timer?.observe(status, performance.now() - this.startedAt);
    const responder = this;
    return {
      get closed() {
        return responder.done;
      },
      write(chunk) {
        if (responder.done) return false;
        let written = false;
        res.cork(() => (written = res.write(chunk)));
        return written;
      },
      onWritable(listener) {
        if (responder.done) return;
        res.onWritable(() => {
          listener();
          return true;
        });
      },
      end() {
        if (responder.done) return;
        responder.finish();
        // Closed while draining (the instance goes away); otherwise nginx may reuse the connection.
        res.cork(() => res.end('', responder.edge.draining));
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
