// Loads the native uWebSockets.js binding directly, never the package's loader: on a load
// failure that loader silently falls back to a slow pure-Node server, which we never run on.
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

export class NativeBindingError extends Error {
  override name = 'NativeBindingError';
}

function loadNativeBinding(): typeof UWS {
  const require = createRequire(import.meta.url);
  const file = `uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  try {
    return require(file) as typeof UWS;
  } catch (cause) {
    throw new NativeBindingError(
      `The native uWebSockets.js binding ${file} does not load on this machine ` +
        `(Node ${process.version}, ${process.platform}/${process.arch}); refusing to start on the slow ` +
        `pure-Node fallback. Cause: ${(cause as Error).message}`,
    );
  }
}

export const uws = loadNativeBinding();

/** listen() option that turns SO_REUSEPORT off; missing from the bundled typings. */
export const LISTEN_EXCLUSIVE_PORT: number = (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;
