// kit/proc-stat.ts: the one reader of /proc/stat and /proc/<pid>/stat, and the one definition of
// steal (a share of the CPU time wanted, not of all time), from bench:floor's former test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { parseProcessStat, parseProcStat, processCpuTicks, processTreeCpuTicks, readCpuTimes, stealPercent } from '../../kit/proc-stat.js';

test('steal is the share of the CPU time wanted (busy + stolen) that the host kept', () => {
  const before = parseProcStat('cpu  100 0 50 800 10 3 2 40 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n');
  assert.deepEqual(before, { busy: 155, steal: 40 });
  const after = parseProcStat('cpu  150 0 60 1000 10 3 2 80 0 0\n');
  assert.equal(stealPercent(before, after), 40); // 40 stolen of 60 busy + 40 stolen; idle not counted
  assert.equal(stealPercent(after, after), 0);
});

test('steal is not a share of all time: a mostly idle VM whose few wake-ups wait shows it', () => {
  const before = { busy: 0, steal: 0 };
  // 10 s on 2 CPUs = 2000 ticks, nearly all idle: 10 busy, 10 stolen. Of all time that is 0.5%.
  assert.equal(stealPercent(before, { busy: 10, steal: 10 }), 50);
  assert.equal(stealPercent(before, { busy: 3, steal: 0 }), 0);
  assert.equal(stealPercent(before, { busy: 2, steal: 1 }), 33.3);
});

test('a process stat line whose name holds spaces and parentheses', () => {
  const line = '4242 (postgres: a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 123 45 0 0 20 0 1 0 100 0 0\n';
  assert.equal(parseProcessStat(line), 168);
});

test('this machine: /proc/stat reads, and this process has used some CPU', { skip: process.platform !== 'linux' }, async () => {
  const times = await readCpuTimes();
  assert.ok(times !== undefined && times.busy > 0 && times.steal >= 0);
  assert.ok((await processCpuTicks(process.pid)) >= 0);
  assert.throws(() => parseProcStat('intr 1 2 3\n'), /no "cpu " line/);
});

test('a process tree\'s CPU counts its live children: a child that burnt 0.3 s of CPU adds at least that', async () => {
  // The child spins until it has used 300 ms of CPU (however busy the host), then waits to be killed.
  const child = spawn(process.execPath, ['-e', 'const t0 = process.cpuUsage(); while (process.cpuUsage(t0).user < 300000); console.log("done"); setInterval(() => {}, 1000);']);
  try {
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const own = await processCpuTicks(process.pid);
    const tree = await processTreeCpuTicks(process.pid);
    assert.ok(tree - own >= 25, `the tree counted ${tree - own} ticks beyond this process`);
  } finally {
    child.kill();
  }
});
