// test/helpers/raw-http.ts on kit/http-response.ts, against a local server that writes exact bytes:
// the fault tests' raw client must keep reading HEAD answers, pipelined answers and EOF bodies.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { RawConnection, rawExchange } from '../helpers/raw-http.js';

/** A server answering each connection's first bytes with `answer` (then, if `close`, closing). */
async function serve(answer: string, close = false): Promise<{ port: number; stop(): Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.once('data', () => (close ? socket.end(answer) : socket.write(answer)));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('a HEAD answer, then a pipelined GET answer, on one connection', async () => {
  const server = await serve(
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' + 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
  );
  const connection = await RawConnection.open(server.port);
  try {
    await connection.write('HEAD / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n');
    const head = await connection.readResponse(2000, true);
    assert.equal(head?.status, 200);
    assert.equal(head?.body.length, 0);
    const get = await connection.readResponse(2000);
    assert.equal(get?.status, 404);
    assert.equal(get?.body.toString(), '{}');
    assert.equal(get?.headers.connection, 'close');
    assert.equal(await connection.readResponse(100), undefined, 'nothing more came');
  } finally {
    connection.destroy();
    await server.stop();
  }
});

test('a body without a length ends when the server closes; garbage throws', async () => {
  const eof = await serve('HTTP/1.1 200 OK\r\n\r\nuntil the end', true);
  assert.equal((await rawExchange(eof.port, 'GET / HTTP/1.1\r\n\r\n', 2000))?.body.toString(), 'until the end');
  await eof.stop();
  const garbage = await serve('SSH-2.0-OpenSSH\r\n\r\n');
  await assert.rejects(rawExchange(garbage.port, 'GET / HTTP/1.1\r\n\r\n', 2000), /not an HTTP response/);
  await garbage.stop();
  const truncated = await serve('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', true);
  assert.equal(await rawExchange(truncated.port, 'GET / HTTP/1.1\r\n\r\n', 2000), undefined);
  await truncated.stop();
});
