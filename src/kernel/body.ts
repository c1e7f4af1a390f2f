// Reads a request body with a hard cap. Beyond the cap the request is answered 413 and the
// connection closed at once, so the rest is never buffered.
import { ErrorCode } from './errors.js';
import type { HttpResponder } from './http-responder.js';
import type { HttpResponse } from './uws.js';

/** The cap of every JSON body the API reads (the Rinha routes' 1 KiB). */
export const MAX_BODY_BYTES = 1024;

// fatal: invalid UTF-8 is not JSON (400); ignoreBOM keeps a BOM in the text, where the parser refuses it.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Checks the declared length before reading: returns false (and answers 413) when too large. */
export function acceptsDeclaredLength(contentLength: string, responder: HttpResponder): boolean {
  if (contentLength === '' || Number(contentLength) <= MAX_BODY_BYTES) return true;
  responder.failAndClose(ErrorCode.BodyTooLarge);
  return false;
}

export function readBody(res: HttpResponse, responder: HttpResponder, onBody: (text: string) => void): void {
  let parts: Buffer[] | undefined;
  let size = 0;
  res.onData((chunk, isLast) => {
    if (responder.finished) return;
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) return responder.failAndClose(ErrorCode.BodyTooLarge);
    if (!isLast) {
      // uWS reuses the chunk's memory after this callback returns: copy it.
      (parts ??= []).push(Buffer.from(new Uint8Array(chunk)));
      return;
    }
    let text: string;
    try {
      // The common case, a body in one chunk, decodes straight from uWS's memory.
      text = parts === undefined ? decoder.decode(chunk) : decoder.decode(Buffer.concat([...parts, new Uint8Array(chunk)]));
    } catch {
      return responder.fail(ErrorCode.MalformedJson);
    }
    onBody(text);
  });
}
