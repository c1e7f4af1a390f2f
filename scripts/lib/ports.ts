// Free TCP ports on loopback. A port is free when a plain (non-SO_REUSEPORT) bind succeeds: that
// also fails on ports uWS holds with SO_REUSEPORT, so we never silently share an API's traffic.
import net from 'node:net';
import { pollUntil } from '../../kit/poll.js';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true when something accepts connections on host:port. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitUntilListening(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  if (!(await pollUntil(() => isListening(port, host), { timeoutMs, intervalMs: 50 }))) {
    throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
  }
}
