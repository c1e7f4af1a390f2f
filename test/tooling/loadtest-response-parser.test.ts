import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser } from '../../bench/loadtest/http-response-parser.js';

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
