// What a module's store throws or rejects with when it cannot do the work: the error code the
// request answers with (kernel/error-status.ts), with the database error as its cause. One class
// for every module, so a route can tell it from a bug whatever store it called.
import { ErrorCode } from './errors.js';

export class StoreError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** The code a request answers with when its store call rejected: the StoreError's, else Internal (a bug). */
export function errorCodeOf(error: unknown): ErrorCode {
  return error instanceof StoreError ? error.code : ErrorCode.Internal;
}
