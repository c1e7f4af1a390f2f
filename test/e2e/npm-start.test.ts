// The README's first command, as a user runs it: `npm start` (dist/scripts/start.js) with no
// DATABASE_URL brings up the embedded Postgres, two instances and the load balancer on PORT,
// keeps the data in DATA_DIR across restarts, and Ctrl-C (SIGINT) stops every process it started.
// Run by root (as in CI), it is also run as an unprivileged user: the README promises both.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../scripts/lib/ports.js';
import { getStatement, postTransaction } from '../helpers/http.js';
import { isAlive } from '../helpers/proc.js';

const START_SCRIPT = new URL('../../scripts/start.js', import.meta.url).pathname;
const READY_WITHIN_MS = 120_000;
const UNPRIVILEGED_USER = 'nobody';

interface RunningStart {
  child: ChildProcess;
  url: string;
  output: string[];
  exit: Promise<number | null>;
}

async function npmStart(dataDir: string, port: number, asUser?: { uid: number; gid: number }): Promise<RunningStart> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '300' };
  delete env.DATABASE_URL;
  delete env.LIMITS;
  // setpriv execs node itself (runuser would stay in between and swallow the SIGINT).
  const [command, args] = asUser === undefined
    ? [process.execPath, [START_SCRIPT]]
    : ['setpriv', [`--reuid=${asUser.uid}`, `--regid=${asUser.gid}`, '--clear-groups', '--', process.execPath, START_SCRIPT]];
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start not ready within ${READY_WITHIN_MS} ms:\n${output.join('')}`)), READY_WITHIN_MS);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      const match = /ready: (http:\/\/\S+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before it was ready:\n${output.join('')}`));
    });
  });
  try {
    return { child, url: await ready, output, exit };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Pids of processes whose command line mentions `text` (e.g. the data folder). */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').join(' ').includes(text)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * SIGINT, as Ctrl-C: exit code 0, and nothing it started is left running. With nothing in
 * flight the instances stop at once, well before their drain grace (SHUTDOWN_GRACE_MS, 5 s).
 */
async function stopWithCtrlC(run: RunningStart, dataDir: string): Promise<void> {
  const instancePids = [...run.output.join('').matchAll(/api0\d pid (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(instancePids.length, 2, `npm start names its two instances: ${run.output.join('')}`);
  const started = await processesMentioning(dataDir);
  assert.ok(started.length >= 2, `Postgres and nginx run with their files in DATA_DIR (found ${started.length} processes)`);
  const sentAt = Date.now();
  run.child.kill('SIGINT');
  const code = await Promise.race([run.exit, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
  const stoppedInMs = Date.now() - sentAt;
  assert.equal(code, 0, `npm start exits 0 on Ctrl-C:\n${run.output.join('')}`);
  assert.ok(stoppedInMs < 4000, `an idle npm start stops before the 5 s drain grace, took ${stoppedInMs} ms:\n${run.output.join('')}`);
  assert.deepEqual(instancePids.filter(isAlive), [], 'both instances are stopped');
  assert.deepEqual((await processesMentioning(dataDir)).filter(isAlive), [], 'Postgres and nginx are stopped');
}

async function startUseRestart(userName?: string): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'crebitos-npm-start-'));
  try {
    const asUser = userName === undefined ? undefined : userIds(userName);
    if (asUser !== undefined) await chown(dataDir, asUser.uid, asUser.gid);
    const first = await npmStart(dataDir, await freePort(), asUser);
    try {
      const credit = await postTransaction(first.url, 1, { valor: 7, tipo: 'c', descricao: 'npm start' });
      assert.equal(credit.status, 200);
      assert.deepEqual(credit.json, { limite: 100000, saldo: 7 });
    } finally {
      await stopWithCtrlC(first, dataDir);
    }

    // Same DATA_DIR: the committed credit is still there.
    const second = await npmStart(dataDir, await freePort(), asUser);
    try {
      const statement = await getStatement(second.url, 1);
      assert.equal(statement.status, 200);
      assert.equal(statement.json.saldo.total, 7, 'the balance survived the restart');
      assert.deepEqual(
        statement.json.ultimas_transacoes.map((t: { valor: number; descricao: string }) => [t.valor, t.descricao]),
        [[7, 'npm start']],
      );
    } finally {
      await stopWithCtrlC(second, dataDir);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The user's ids, looked up with `id` as scripts/lib/postgres.ts does for its server user. */
function userIds(user: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

test('npm start serves on PORT with an embedded Postgres, keeps its data across a restart, and Ctrl-C stops everything it started, for the user running it and, when that is root, for an unprivileged user', async () => {
  await startUseRestart();
  if (process.getuid?.() === 0) await startUseRestart(UNPRIVILEGED_USER);
});
