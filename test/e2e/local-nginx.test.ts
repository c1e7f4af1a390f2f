// The local nginx runner (npm start, the tests): ready means nginx serves its port, and a start
// that fails leaves no nginx behind (an orphan would hold the port and keep the caller alive).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findNginx, NginxProcess } from '../../scripts/lib/nginx.js';
import { freePort, isListening } from '../../scripts/lib/ports.js';
import { isAlive } from '../helpers/proc.js';

const binary = findNginx();
assert.ok(binary, 'nginx is required for the tests (.ci/run installs it)');

async function withWorkDir(run: (workDir: string) => Promise<void>): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'crebitos-nginx-'));
  try {
    await run(workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

test('a started local nginx already serves its port, and stop() ends it', async () => {
  await withWorkDir(async (workDir) => {
    const listenPort = await freePort();
    const nginx = new NginxProcess(binary!, { listenPort, upstreamPorts: [await freePort(), await freePort()], workDir });
    await nginx.start();
    const pid = nginx.pid!;
    assert.ok(pid > 0);
    assert.equal(await isListening(listenPort), true);
    await nginx.stop();
    assert.equal(isAlive(pid), false);
    assert.equal(await isListening(listenPort), false);
  });
});

test('a local nginx whose port is taken fails its start and leaves no process behind', async () => {
  await withWorkDir(async (workDir) => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const listenPort = (blocker.address() as net.AddressInfo).port;
    try {
      const nginx = new NginxProcess(binary!, { listenPort, upstreamPorts: [await freePort()], workDir });
      await assert.rejects(nginx.start(), /nginx exited at start|no pid file/);
      assert.equal(nginx.pid, undefined);
    } finally {
      blocker.close();
    }
  });
});

test('a local nginx that is not ready in time is stopped, not left running', async () => {
  await withWorkDir(async (workDir) => {
    // Stands in for an nginx that hangs before writing its pid file.
    const nginx = new NginxProcess(binary!, {
      listenPort: await freePort(),
      upstreamPorts: [await freePort()],
      workDir,
      startTimeoutMs: 300,
      wrapCommand: () => ({ command: 'sleep', args: ['60'] }),
    });
    await assert.rejects(nginx.start(), /no pid file/);
    assert.equal(nginx.pid, undefined);
  });
});
