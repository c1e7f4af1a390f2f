// The external authorizer of POST /transfer (AUTHORIZER_URL), asked BEFORE the transfer's
// database call, so no row lock is ever held while waiting on it. undici's Pool bounds the
// connections (AUTHORIZER_CONNECTIONS; more requests wait for a free one) and one deadline
// (AUTHORIZER_TIMEOUT_MS) covers the wait for a connection, the headers and the body.
// `200 {"status":"success","data":{"authorization":true}}` allows; `403` with authorization false
// refuses; anything else (a timeout, a refused connection, another status or body) is unavailable.
import { Pool } from 'undici';

export type Authorization = 'allowed' | 'refused' | 'unavailable';

export interface Authorizer {
  authorize(): Promise<Authorization>;
  close(): Promise<void>;
}

export function createAuthorizer(url: string | undefined, timeoutMs: number, connections: number): Authorizer {
  if (url === undefined) return { authorize: async () => 'unavailable', close: async () => {} };
  const target = new URL(url);
  const path = target.pathname + target.search;
  const pool = new Pool(target.origin, {
    connections,
    connectTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4000,
  });
  return {
    async authorize() {
      try {
        const { statusCode, body } = await pool.request({ method: 'GET', path, signal: AbortSignal.timeout(timeoutMs) });
        const text = await body.text();
        if (statusCode !== 200 && statusCode !== 403) return 'unavailable';
        const decision = (JSON.parse(text) as { data?: { authorization?: unknown } } | null)?.data?.authorization;
        if (statusCode === 200 && decision === true) return 'allowed';
        if (statusCode === 403 && decision === false) return 'refused';
        return 'unavailable';
      } catch {
        return 'unavailable';
      }
    },
    close: () => pool.close(),
  };
}
