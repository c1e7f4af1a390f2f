// kit/http-response.ts: the one HTTP/1.1 response reader of the loadtest, bench:floor and the raw
// test client. Content-Length, chunked, bodiless, EOF-delimited, split anywhere, pipelined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpResponseReader as ResponseParser } from '../../kit/http-response.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

function feedAll(parts: string[]): ResponseParser {
  const p = new ResponseParser();
  for (const part of parts) p.feed(b(part));
  return p;
}

test('a Content-Length response in one chunk', () => {
  const p = new ResponseParser();
  const body = '{"limite":100000,"saldo":-9098}';
  const done = p.feed(b(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
  assert.equal(done, true);
  assert.equal(p.complete, true);
  assert.equal(p.status, 200);
  assert.equal(p.body.toString(), '{"limite":100000,"saldo":-9098}');
});

test('a response split anywhere, even inside the header terminator', () => {
  const whole = 'HTTP/1.1 422 Unprocessable Entity\r\ncontent-length: 16\r\n\r\n{"erro":"saldo"}';
  for (let cut = 1; cut < whole.length; cut++) {
    const p = feedAll([whole.slice(0, cut), whole.slice(cut)]);
    assert.equal(p.complete, true, `cut at ${cut}`);
    assert.equal(p.status, 422);
    assert.equal(p.body.toString(), '{"erro":"saldo"}');
  }
});

test('incomplete until the last body byte arrives', () => {
  const p = new ResponseParser();
  assert.equal(p.feed(b('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab')), false);
  assert.equal(p.complete, false);
  assert.equal(p.feed(b('cd')), true);
  assert.equal(p.body.toString(), 'abcd');
});

test('chunked bodies are de-chunked, across reads', () => {
  const whole = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n';
  for (let cut = 1; cut < whole.length; cut += 3) {
    const p = feedAll([whole.slice(0, cut), whole.slice(cut)]);
    assert.equal(p.complete, true, `cut at ${cut}`);
    assert.equal(p.body.toString(), 'hello, world');
  }
});

test('a body without length ends at EOF', () => {
  const p = new ResponseParser();
  assert.equal(p.feed(b('HTTP/1.0 200 OK\r\n\r\n{"a":')), false);
  p.feed(b('1}'));
  assert.equal(p.finishOnEof(), true);
  assert.equal(p.complete, true);
  assert.equal(p.body.toString(), '{"a":1}');
});

test('204/304 have no body; 1xx interim responses are skipped', () => {
  assert.equal(feedAll(['HTTP/1.1 204 No Content\r\n\r\n']).complete, true);
  const p = feedAll(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}']);
  assert.equal(p.status, 404);
  assert.equal(p.body.toString(), '{}');
});

test('a truncated body or garbage is an error, not a response', () => {
  const truncated = feedAll(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc']);
  truncated.finishOnEof();
  assert.equal(truncated.complete, false);
  assert.match(truncated.error ?? '', /truncated/);

  const garbage = new ResponseParser();
  assert.equal(garbage.feed(b('SSH-2.0-OpenSSH\r\n\r\n')), true);
  assert.match(garbage.error ?? '', /status line/);

  const closedEarly = new ResponseParser();
  closedEarly.finishOnEof();
  assert.match(closedEarly.error ?? '', /before response/);
});

test('reset makes a parser reusable', () => {
  const p = feedAll(['HTTP/1.1 500 Internal\r\nContent-Length: 0\r\n\r\n']);
  assert.equal(p.status, 500);
  p.reset();
  assert.equal(p.complete, false);
  p.feed(b('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  assert.equal(p.status, 200);
  assert.equal(p.body.toString(), 'ok');
});

test('a 204 is complete at its head, whatever follows it', () => {
  const p = new ResponseParser();
  assert.equal(p.feed(b('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n')), true);
  assert.equal(p.status, 204);
  assert.equal(p.body.length, 0);
});

test('pipelined responses: each one is read in turn from the bytes after the last', () => {
  const first = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  const second = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n';
  const third = 'HTTP/1.1 422 Unprocessable\r\nContent-Length: 1\r\n\r\nx';
  const whole = first + second + third;
  for (let cut = 1; cut < whole.length; cut += 7) {
    const p = new ResponseParser();
    const seen: string[] = [];
    let done = p.feed(b(whole.slice(0, cut)));
    const collect = () => {
      while (done && p.complete) {
        seen.push(`${p.status} ${p.body.toString()}`);
        done = p.next();
      }
    };
    collect();
    done = p.feed(b(whole.slice(cut)));
    collect();
    assert.deepEqual(seen, ['200 ok', '200 abc', '422 x'], `cut at ${cut}`);
  }
});

test('a chunked response ends after its trailers, not at the last chunk', () => {
  const p = new ResponseParser();
  assert.equal(p.feed(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n')), false);
  assert.equal(p.feed(b('Trailer: x\r\n')), false);
  assert.equal(p.feed(b('\r\nHTTP/1.1')), true);
  assert.equal(p.body.toString(), 'hi');
  assert.equal(p.next(), false); // the next response has only begun
});

test('HEAD: no body whatever Content-Length says; headers kept when asked', () => {
  const p = new ResponseParser({ keepHeaders: true });
  p.reset({ noBody: true });
  assert.equal(p.feed(b('HTTP/1.1 200 OK\r\nContent-Length: 31\r\nConnection: close\r\nX-A: 1\r\nx-a: 2\r\n\r\n')), true);
  assert.equal(p.body.length, 0);
  assert.deepEqual(p.headers, { 'content-length': '31', connection: 'close', 'x-a': '2' });
});

test('next() on an incomplete response keeps reading it (a caller that timed out may wait again)', () => {
  const p = new ResponseParser();
  assert.equal(p.feed(b('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab')), false);
  assert.equal(p.next(), false);
  assert.equal(p.feed(b('cd')), true);
  assert.equal(p.body.toString(), 'abcd');
});

// The assertions of bench:floor's former completeResponse (test/unit/floor-stats.test.ts), on the reader.
test('a response is complete only with its whole Content-Length body', () => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 10\r\n\r\n';
  assert.equal(new ResponseParser().feed(Buffer.from('HTTP/1.1 200 OK\r\n')), false);
  assert.equal(new ResponseParser().feed(Buffer.from(`${head}{"a":`)), false);
  const whole = new ResponseParser();
  assert.equal(whole.feed(Buffer.from(`${head}{"a":1234}`)), true);
  assert.deepEqual({ status: whole.status, length: whole.length }, { status: 200, length: head.length + 10 });
  // A pipelined next answer stays in the buffer: the length covers only the first.
  const pipelined = new ResponseParser();
  pipelined.feed(Buffer.from(`${head}{"a":1234}HTTP/1.1`));
  assert.deepEqual({ status: pipelined.status, length: pipelined.length }, { status: 200, length: head.length + 10 });
  const unprocessable = new ResponseParser();
  unprocessable.feed(Buffer.from('HTTP/1.1 422 Unprocessable\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(unprocessable.complete && unprocessable.status, 422);
});

test('a response the reader cannot delimit is an error, not a hang', () => {
  // bench:floor's own reader refused chunked bodies; the kit's reads them (above), so what is left
  // undelimitable is garbage, a bad length, and a connection that ends first.
  const garbage = new ResponseParser();
  assert.equal(garbage.feed(Buffer.from('garbage\r\n\r\n')), true);
  assert.match(garbage.error ?? '', /not an HTTP/);
  const badLength = new ResponseParser();
  assert.equal(badLength.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n')), true);
  assert.match(badLength.error ?? '', /content-length/);
  const hugeHead = new ResponseParser();
  assert.equal(hugeHead.feed(Buffer.alloc(70 * 1024, 'a')), true);
  assert.match(hugeHead.error ?? '', /too large/);
});
