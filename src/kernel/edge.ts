// The HTTP edge on uWebSockets.js: registers the modules' routes (OpenAPI templates become uWS
// patterns), answers 405 with Allow on a known path with another method and 404 elsewhere,
// listens, and stops listening for the drain. Nothing here knows a module's rules.
import { ErrorCode } from './errors.js';
import { HttpResponder } from './http-responder.js';
import type { Metrics } from './metrics.js';
import type { HttpMethod, Route } from './module.js';
import { LISTEN_EXCLUSIVE_PORT, uws, type HttpRequest, type HttpResponse, type TemplatedApp, type us_listen_socket } from './uws.js';

/** What the edge shares with main and the operations module: in flight, and draining. */
export class EdgeState {
  inFlight = 0;
  draining = false;
}

export interface HttpServer {
  readonly state: EdgeState;
  /** Registers routes; call before listen. */
  register(routes: readonly Route[]): void;
  /** Resolves with the bound port. Registers the 405 and 404 fallbacks first. */
  listen(host: string, port: number, reusePort: boolean): Promise<number>;
  /** Stops accepting connections; connections already open keep being served. */
  stopListening(): void;
}

/** `/clientes/{id}/extrato` -> `/clientes/:id/extrato` */
export function uwsPattern(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

export function createHttpServer(metrics: Metrics, state: EdgeState = new EdgeState()): HttpServer {
  const app: TemplatedApp = uws.App();
  const methodsByPattern = new Map<string, HttpMethod[]>();
  let listenSocket: us_listen_socket | undefined;

  const registerFallbacks = () => {
    // uWS prefers a method's own handler over `any` for the same pattern, whatever the order.
    for (const [pattern, methods] of methodsByPattern) {
      const allow = [['Allow', methods.map((m) => m.toUpperCase()).join(', ')]] as const;
      app.any(pattern, (res) => new HttpResponder(res, state, undefined).methodNotAllowed(ErrorCode.MethodNotAllowed, allow));
    }
    app.any('/*', (res) => new HttpResponder(res, state, undefined).fail(ErrorCode.RouteNotFound));
  };

  return {
    state,
    register(routes) {
      for (const route of routes) {
        const pattern = uwsPattern(route.path);
        const methods = methodsByPattern.get(pattern) ?? [];
        if (methods.includes(route.method)) throw new Error(`${route.method.toUpperCase()} ${route.path} is registered twice`);
        methodsByPattern.set(pattern, [...methods, route.method]);
        const timer = metrics.routeTimer(route.method.toUpperCase(), route.path);
        const handler = route.handler;
        // uWS names DELETE's registration `del`.
        const register = (app as unknown as Record<string, Function>)[route.method === 'delete' ? 'del' : route.method]!.bind(app) as (pattern: string, handler: (res: HttpResponse, req: HttpRequest) => void) => unknown;
        register(pattern, (res, req) => handler(res, req, new HttpResponder(res, state, timer)));
      }
    },
    listen(host, port, reusePort) {
      registerFallbacks();
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
