// A mock of the two services POST /transfer depends on, with the PicPay challenge's answers, on
// one plain node:http server (loopback only):
//   GET  /authorize   200 {"status":"success","data":{"authorization":true}}
//                     or 403 {"status":"fail","data":{"authorization":false}} (denyRate),
//                     or 500 (failRate), after latencyMs
//   POST /notify      204, or 504 {"status":"error",...} (failRate), or no answer at all
//                     (hangRate: the caller's timeout fires), after latencyMs; every call is
//                     recorded with its Idempotency-Key and body
//   POST /_control    {"authorize": {...}, "notify": {...}}: change the settings at run time
//   GET  /_received   what /notify received: {"calls", "delivered", "keys": {key: {calls, delivered}}}
//   DELETE /_received forget it
// `npm start` runs it when AUTHORIZER_URL and NOTIFY_URL are not set; tests drive it over HTTP.
// Standalone: node dist/scripts/lib/mock-services.js [port]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface ServiceBehaviour {
  latencyMs: number;
  /** Share of calls answered as a failure (authorize: 500; notify: 504). */
  failRate: number;
  /** authorize only: share of calls refused with 403. */
  denyRate: number;
  /** notify only: share of calls never answered. */
  hangRate: number;
}

export interface MockSettings {
  authorize: ServiceBehaviour;
  notify: ServiceBehaviour;
}

export interface Received {
  calls: number;
  delivered: number;
  keys: Record<string, { calls: number; delivered: number; body: unknown }>;
}

const defaults = (): ServiceBehaviour => ({ latencyMs: 0, failRate: 0, denyRate: 0, hangRate: 0 });

export class MockServices {
  readonly settings: MockSettings = { authorize: defaults(), notify: defaults() };
  private received: Received = { calls: 0, delivered: 0, keys: {} };
  private readonly server: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();

  constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/authorize') return this.authorize(res);
      if (req.method === 'POST' && path === '/notify') return this.notify(req, res, body);
      if (req.method === 'POST' && path === '/_control') return this.control(res, body);
      if (req.method === 'GET' && path === '/_received') return send(res, 200, this.received);
      if (req.method === 'DELETE' && path === '/_received') {
        this.received = { calls: 0, delivered: 0, keys: {} };
        return send(res, 204);
      }
      send(res, 404, { error: 'not found' });
    });
  }

  private authorize(res: http.ServerResponse): void {
    const b = this.settings.authorize;
    later(b.latencyMs, () => {
      const roll = Math.random();
      if (roll < b.failRate) return send(res, 500, { status: 'error' });
      if (roll < b.failRate + b.denyRate) return send(res, 403, { status: 'fail', data: { authorization: false } });
      send(res, 200, { status: 'success', data: { authorization: true } });
    });
  }

  private notify(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const b = this.settings.notify;
    const key = String(req.headers['idempotency-key'] ?? '');
    const roll = Math.random();
    const entry = (this.received.keys[key] ??= { calls: 0, delivered: 0, body: parse(body) });
    entry.calls++;
    this.received.calls++;
    if (roll < b.hangRate) {
      this.hanging.add(res);
      res.once('close', () => this.hanging.delete(res));
      return;
    }
    later(b.latencyMs, () => {
      if (roll < b.hangRate + b.failRate) return send(res, 504, { status: 'error', message: 'The service is not available, try again later' });
      entry.delivered++;
      this.received.delivered++;
      send(res, 204);
    });
  }

  private control(res: http.ServerResponse, body: string): void {
    const update = parse(body) as Partial<Record<keyof MockSettings, Partial<ServiceBehaviour>>> | undefined;
    for (const service of ['authorize', 'notify'] as const) Object.assign(this.settings[service], update?.[service] ?? {});
    send(res, 200, this.settings);
  }
}

function later(ms: number, run: () => void): void {
  if (ms <= 0) run();
  else setTimeout(run, ms);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function send(res: http.ServerResponse, status: number, body?: unknown): void {
  if (res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

// Run standalone: print the port, report readiness over IPC to a supervisor (scripts/lib/stack.ts).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mock = new MockServices();
  const port = await mock.listen(Number(process.argv[2] ?? 0));
  process.stderr.write(`mock authorizer/notifier on http://127.0.0.1:${port} (/authorize, /notify, /_control, /_received)\n`);
  if (process.send) {
    process.send({ ready: true, port });
    process.channel?.unref();
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void mock.close().then(() => process.exit(0)));
}
