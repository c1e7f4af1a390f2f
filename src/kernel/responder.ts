// Where a use case's outcome goes, seen from the domain: no HTTP, no uWS. The edge implements it
// (kernel/http-responder.ts); tests implement it with a recorder.
import type { ErrorCode } from './errors.js';

/** Exactly one of these is called, once, per request. */
export interface Responder {
  /** 200 with this JSON body. */
  ok(json: string): void;
  /** The status and body the error table gives this code. */
  fail(code: ErrorCode): void;
  /** Any status line (e.g. `201 Created`) with a JSON body (empty for 204) and extra headers. */
  json(status: string, json: string, headers?: readonly (readonly [string, string])[]): void;
}
