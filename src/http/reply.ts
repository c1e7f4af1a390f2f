// One HTTP exchange seen from the domain: a Reply that writes at most once, never after the
// client went away, always corked (one syscall), and with `Connection: close` while draining.
import type { ErrorCode } from '../errors.js';
import type { Reply } from '../ledger/ledger.js';
import { errorReply } from './status.js';
import type { HttpResponse } from './uws.js';

/** State the edge shares with main: what is in flight, and whether we are shutting down. */
export class EdgeState {
  inFlight = 0;
  draining = false;
}

const OK = '200 OK';

// The corked write reads these instead of a per-call closure.
let target: HttpResponse;
let targetStatus = '';
let targetBody = '';
let targetAllow = '';
let targetClose = false;

function writeCorked(): void {
  target.writeStatus(targetStatus).writeHeader('Content-Type', 'application/json');
  if (targetAllow !== '') target.writeHeader('Allow', targetAllow);
  if (targetClose) target.writeHeader('Connection', 'close');
  target.end(targetBody, targetClose);
}

export class Exchange implements Reply {
  private done = false;

  constructor(
    private readonly res: HttpResponse,
    private readonly state: EdgeState,
  ) {
    state.inFlight++;
    // Must be registered before any asynchronous step: writing after an abort is fatal in uWS.
    res.onAborted(() => this.finish());
  }

  /** True once answered or aborted: nothing more may be written. */
  get finished(): boolean {
    return this.done;
  }

  ok(json: string): void {
    this.write(OK, json, '', false);
  }

  fail(code: ErrorCode): void {
    const reply = errorReply(code);
    this.write(reply.status, reply.body, '', false);
  }

  /** Answers an error and closes the connection, e.g. when the rest of the body must not be read. */
  failAndClose(code: ErrorCode): void {
    const reply = errorReply(code);
    this.write(reply.status, reply.body, '', true);
  }

  methodNotAllowed(code: ErrorCode, allow: string): void {
    const reply = errorReply(code);
    this.write(reply.status, reply.body, allow, false);
  }

  private write(status: string, body: string, allow: string, close: boolean): void {
    if (this.done) return;
    this.finish();
    target = this.res;
    targetStatus = status;
    targetBody = body;
    targetAllow = allow;
    targetClose = close || this.state.draining;
    this.res.cork(writeCorked);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.state.inFlight--;
  }
}
