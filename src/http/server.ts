// The HTTP edge: routes, and nothing else. Copies what it needs from the request before any
// asynchronous step (uWS's HttpRequest dies when the handler returns), then hands the domain
// the raw id and body text with a Reply.
import { ErrorCode } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { acceptsDeclaredLength, readBody } from './body.js';
import { EdgeState, Exchange } from './reply.js';
import { LISTEN_EXCLUSIVE_PORT, uws, type TemplatedApp, type us_listen_socket } from './uws.js';

export interface HttpServer {
  readonly state: EdgeState;
  /** Resolves with the bound port. */
  listen(host: string, port: number, reusePort: boolean): Promise<number>;
  /** Stops accepting connections; connections already open keep being served. */
  stopListening(): void;
}

export function createHttpServer(ledger: Ledger): HttpServer {
  const state = new EdgeState();
  const app: TemplatedApp = uws.App();
  let listenSocket: us_listen_socket | undefined;

  app.post('/clientes/:id/transacoes', (res, req) => {
    const exchange = new Exchange(res, state);
    const clientId = req.getParameter(0);
    if (!acceptsDeclaredLength(req.getHeader('content-length'), exchange)) return;
    readBody(res, exchange, (body) => ledger.transact(clientId, body, exchange));
  });

  app.get('/clientes/:id/extrato', (res, req) => {
    ledger.statement(req.getParameter(0), new Exchange(res, state));
  });

  // A known route with another method is 405; method-specific routes above take precedence.
  app.any('/clientes/:id/transacoes', (res) => new Exchange(res, state).methodNotAllowed(ErrorCode.MethodNotAllowed, 'POST'));
  app.any('/clientes/:id/extrato', (res) => new Exchange(res, state).methodNotAllowed(ErrorCode.MethodNotAllowed, 'GET'));
  app.any('/*', (res) => new Exchange(res, state).fail(ErrorCode.RouteNotFound));

  return {
    state,
    listen(host, port, reusePort) {
      return new Promise((resolve, reject) => {
        const options = reusePort ? 0 : LISTEN_EXCLUSIVE_PORT;
        const onListen = (socket: us_listen_socket | false) => {
          if (socket === false) return reject(new Error(`cannot listen on ${host}:${port} (address in use or not permitted)`));
          listenSocket = socket;
          resolve(uws.us_socket_local_port(socket as never));
        };
        // The native listen accepts (host, port, options, cb); the bundled typings omit that overload.
        (app.listen as unknown as (h: string, p: number, o: number, cb: typeof onListen) => void)(host, port, options, onListen);
      });
    },
    stopListening() {
      if (listenSocket === undefined) return;
      uws.us_listen_socket_close(listenSocket);
      listenSocket = undefined;
    },
  };
}
