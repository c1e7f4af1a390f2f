// The compose limits and how they become cgroup settings: parsing, unit conversions, the choice
// of cgroup hierarchy and the files written. No I/O: the compose file and the mount tables are
// fixtures here (the real cgroups are exercised by `npm start -- --limits`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  budgetProblems,
  cfsQuotaUs,
  ComposeLimitsError,
  parseComposeLimits,
  parseComposeRuntime,
  parseCpus,
  parseMemoryBytes,
  RINHA_MAX_MEMORY_BYTES,
} from '../../scripts/lib/compose-limits.js';
import { CgroupError, chooseHierarchy, limitWrites, parseCgroupMounts, parseKeyValues, procsFiles } from '../../scripts/lib/cgroup.js';
import { formatUsage, joinCgroupCommand } from '../../scripts/lib/limits.js';

const MiB = 1024 * 1024;

const COMPOSE = `
x-api: &api
  build: .
  environment: &api-env
    HOST: 0.0.0.0
    PORT: "8080"
    DATABASE_URL: postgres://crebitos:crebitos@db:5432/crebitos
    DB_POOL_SIZE: "4"
    NODE_OPTIONS: --max-old-space-size=40

services:
  db:
    image: postgres:17-bookworm
    command: >-
      postgres
      -c max_connections=30
      -c shared_buffers=96MB
    deploy:
      resources:
        limits:
          cpus: "0.7"
          memory: "360MB"
  api01:
    <<: *api
    deploy:
      resources:
        limits:
          cpus: "0.3"
          memory: "80MB"
  api02:
    <<: *api
    deploy:
      resources:
        limits:
          cpus: 0.3
          memory: 80MB
  nginx:
    image: nginx:1.27-bookworm
    deploy:
      resources:
        limits:
          cpus: "0.2"
          memory: "30MB"
`;

test('compose memory sizes are binary, as docker/go-units RAMInBytes reads them: 100MB is 100 MiB', () => {
  assert.equal(parseMemoryBytes('100MB'), 100 * MiB);
  assert.equal(parseMemoryBytes('100m'), 100 * MiB);
  assert.equal(parseMemoryBytes('100MiB'), 100 * MiB);
  assert.equal(parseMemoryBytes('100mb'), 100 * MiB);
  assert.equal(parseMemoryBytes('100 MB'), 100 * MiB);
  assert.equal(parseMemoryBytes('1g'), 1024 * MiB);
  assert.equal(parseMemoryBytes('64k'), 64 * 1024);
  assert.equal(parseMemoryBytes('0.5GB'), 512 * MiB);
  assert.equal(parseMemoryBytes('1.5k'), 1536);
  assert.equal(parseMemoryBytes('1000'), 1000, 'a plain number is bytes');
  assert.equal(parseMemoryBytes(2048), 2048);
  assert.equal(parseMemoryBytes('10.7b'), 10, 'fractions of a byte are truncated');
  assert.equal(RINHA_MAX_MEMORY_BYTES, 550 * MiB);
});

test('a memory size that is not one is refused, never read as unlimited', () => {
  for (const bad of ['', 'MB', '100MBs', '100 M B', '-1', '0', '0MB', '1.2.3m', '100x', 'lots', null, undefined, true]) {
    assert.throws(() => parseMemoryBytes(bad), ComposeLimitsError, String(bad));
  }
});

test('cpus is a positive decimal, as a string or a number', () => {
  assert.equal(parseCpus('0.5'), 0.5);
  assert.equal(parseCpus(0.25), 0.25);
  assert.equal(parseCpus('2'), 2);
  for (const bad of ['half', '0', '0.0', '-1', '', '1e-1', null]) assert.throws(() => parseCpus(bad), ComposeLimitsError, String(bad));
});

test('the CFS quota is cpus times the 100 ms period, as dockerd computes it from NanoCPUs', () => {
  assert.equal(cfsQuotaUs(0.5), 50_000);
  assert.equal(cfsQuotaUs(0.3), 30_000, 'no 29999 from 0.3 * 100000 in floating point');
  assert.equal(cfsQuotaUs(0.7), 70_000);
  assert.equal(cfsQuotaUs(1.5), 150_000);
  assert.equal(cfsQuotaUs(0.01), 1000);
  assert.equal(cfsQuotaUs(0.5, 200_000), 100_000);
  assert.throws(() => cfsQuotaUs(0.005), ComposeLimitsError, 'below the kernel minimum of 1 ms');
});

test('every service gets its limits, in file order, through YAML merge keys too', () => {
  assert.deepEqual(parseComposeLimits(COMPOSE), [
    { service: 'db', cpus: 0.7, memoryBytes: 360 * MiB, memoryText: '360MB' },
    { service: 'api01', cpus: 0.3, memoryBytes: 80 * MiB, memoryText: '80MB' },
    { service: 'api02', cpus: 0.3, memoryBytes: 80 * MiB, memoryText: '80MB' },
    { service: 'nginx', cpus: 0.2, memoryBytes: 30 * MiB, memoryText: '30MB' },
  ]);
});

test('a service without a cpus or memory limit is an error naming it', () => {
  assert.throws(() => parseComposeLimits('services:\n  db:\n    image: x\n'), /service db has no deploy.resources.limits/);
  assert.throws(() => parseComposeLimits('services:\n  db:\n    deploy: {resources: {limits: {cpus: "1"}}}\n'), /db has no deploy.resources.limits.memory/);
  assert.throws(() => parseComposeLimits('services:\n  db:\n    deploy: {resources: {limits: {memory: 1g}}}\n'), /db has no deploy.resources.limits.cpus/);
  assert.throws(() => parseComposeLimits('services:\n  db:\n    deploy: {resources: {limits: {cpus: "1", memory: 1q}}}\n'), /service db: memory "1q"/);
  assert.throws(() => parseComposeLimits('version: "3"\n'), /no services/);
  assert.throws(() => parseComposeLimits('services: [\n'), /not valid YAML/);
});

test('the Rinha budget is 1.5 CPU and 550MB in all, compared without floating-point drift', () => {
  assert.deepEqual(budgetProblems(parseComposeLimits(COMPOSE)), []);
  const limits = (cpus: number[], mib: number[]) => cpus.map((c, i) => ({ service: `s${i}`, cpus: c, memoryBytes: mib[i]! * MiB, memoryText: '' }));
  assert.deepEqual(budgetProblems(limits([0.1, 0.2, 1.2], [275, 275])), [], '0.1 + 0.2 + 1.2 is 1.5');
  assert.match(budgetProblems(limits([1, 0.6], [100, 100])).join(), /1.6 CPUs/);
  assert.match(budgetProblems(limits([1], [551])).join(), /above the Rinha's 550MB/);
});

test('the runtime settings are the API environment minus what the local stack owns, and the -c settings of db', () => {
  assert.deepEqual(parseComposeRuntime(COMPOSE), {
    apiEnv: { DB_POOL_SIZE: '4', NODE_OPTIONS: '--max-old-space-size=40' },
    postgresSettings: { max_connections: '30', shared_buffers: '96MB' },
  });
  const listForm = 'services:\n  api01:\n    environment: ["LOG_LEVEL=warn", "A=b=c", "HOST=x", "UNSET"]\n  db:\n    command: ["postgres", "-c", "work_mem=2MB", "--fsync=on"]\n';
  assert.deepEqual(parseComposeRuntime(listForm), { apiEnv: { LOG_LEVEL: 'warn', A: 'b=c' }, postgresSettings: { work_mem: '2MB', fsync: 'on' } });
  assert.deepEqual(parseComposeRuntime('services: {}\n'), { apiEnv: {}, postgresSettings: {} });
  assert.throws(() => parseComposeRuntime('services:\n  db:\n    command: postgres -c nonsense\n'), /not name=value/);
});

// /proc/self/mounts of this project's CI machine (hybrid: v1 controllers, empty cgroup2).
const HYBRID_MOUNTS = `proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
`;
const V2_MOUNTS = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0\n';

test('the cgroup mounts are read from /proc/self/mounts, with v1 controllers and escaped paths', () => {
  assert.deepEqual(parseCgroupMounts(HYBRID_MOUNTS), [
    { version: 1, dir: '/sys/fs/cgroup/cpu', controllers: ['cpu'] },
    { version: 1, dir: '/sys/fs/cgroup/cpuacct', controllers: ['cpuacct'] },
    { version: 1, dir: '/sys/fs/cgroup/memory', controllers: ['memory'] },
    { version: 2, dir: '/sys/fs/cgroup/unified', controllers: [] },
  ]);
  assert.deepEqual(parseCgroupMounts('cgroup /sys/fs/cgroup/cpu\\040acct cgroup rw,cpu,cpuacct 0 0\n'), [
    { version: 1, dir: '/sys/fs/cgroup/cpu acct', controllers: ['cpu', 'cpuacct'] },
  ]);
});

test('v1 is used when it has cpu and memory, else v2 when its mount offers both, else a clear error', () => {
  assert.deepEqual(chooseHierarchy(parseCgroupMounts(HYBRID_MOUNTS), []), {
    version: 1,
    cpu: '/sys/fs/cgroup/cpu',
    cpuacct: '/sys/fs/cgroup/cpuacct',
    memory: '/sys/fs/cgroup/memory',
  });
  assert.deepEqual(chooseHierarchy(parseCgroupMounts(V2_MOUNTS), ['cpuset', 'cpu', 'io', 'memory', 'pids']), { version: 2, dir: '/sys/fs/cgroup' });
  assert.deepEqual(chooseHierarchy(parseCgroupMounts(V2_MOUNTS), ['cpu', 'memory'], 'user.slice/me.scope'), {
    version: 2,
    dir: '/sys/fs/cgroup/user.slice/me.scope',
  });
  assert.throws(() => chooseHierarchy(parseCgroupMounts(V2_MOUNTS), ['pids']), (error: Error) => {
    assert.ok(error instanceof CgroupError);
    assert.match(error.message, /no cgroup hierarchy with both the cpu and memory controllers: found v2 at \/sys\/fs\/cgroup \(controllers: pids\)/);
    return true;
  });
  assert.throws(() => chooseHierarchy([], undefined), /found no cgroup mount/);
});

test('a limit is written as cfs period, quota and memory.limit_in_bytes on v1, cpu.max and memory.max on v2', () => {
  const v1 = chooseHierarchy(parseCgroupMounts(HYBRID_MOUNTS), []);
  assert.deepEqual(limitWrites(v1, 'crebitos-7/db', { cpus: 0.7, memoryBytes: 360 * MiB }), [
    ['/sys/fs/cgroup/cpu/crebitos-7/db/cpu.cfs_period_us', '100000'],
    ['/sys/fs/cgroup/cpu/crebitos-7/db/cpu.cfs_quota_us', '70000'],
    ['/sys/fs/cgroup/memory/crebitos-7/db/memory.limit_in_bytes', '377487360'],
  ]);
  assert.deepEqual(limitWrites({ version: 2, dir: '/sys/fs/cgroup' }, 'crebitos-7/nginx', { cpus: 0.2, memoryBytes: 30 * MiB }), [
    ['/sys/fs/cgroup/crebitos-7/nginx/cpu.max', '20000 100000'],
    ['/sys/fs/cgroup/crebitos-7/nginx/memory.max', '31457280'],
  ]);
});

test('a process joins every mount of its cgroup once, and co-mounted controllers once', () => {
  const v1 = chooseHierarchy(parseCgroupMounts(HYBRID_MOUNTS), []);
  assert.deepEqual(procsFiles(v1, 'r/api01'), [
    '/sys/fs/cgroup/cpu/r/api01/cgroup.procs',
    '/sys/fs/cgroup/cpuacct/r/api01/cgroup.procs',
    '/sys/fs/cgroup/memory/r/api01/cgroup.procs',
  ]);
  const coMounted = chooseHierarchy(parseCgroupMounts('cgroup /c cgroup rw,cpu,cpuacct 0 0\ncgroup /m cgroup rw,memory 0 0\n'), []);
  assert.deepEqual(procsFiles(coMounted, 'r/db'), ['/c/r/db/cgroup.procs', '/m/r/db/cgroup.procs']);
  assert.deepEqual(procsFiles({ version: 2, dir: '/sys/fs/cgroup' }, 'r/db'), ['/sys/fs/cgroup/r/db/cgroup.procs']);
});

test('the wrapper joins the cgroup as itself, then execs the command (dropping to the user when asked)', () => {
  assert.deepEqual(joinCgroupCommand(['/a/cgroup.procs', '/b/cgroup.procs'], '/usr/bin/node', ['main.js', '--x']), {
    command: '/bin/sh',
    args: ['-c', 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"', 'crebitos-join', '/a/cgroup.procs', '/b/cgroup.procs', '--', '/usr/bin/node', 'main.js', '--x'],
  });
  const asPostgres = joinCgroupCommand(['/a/cgroup.procs'], '/pg/postgres', ['-D', '/d'], { setpriv: '/usr/bin/setpriv', uid: 101, gid: 102 });
  assert.equal(asPostgres.switchesUser, true);
  assert.deepEqual(asPostgres.args.slice(4), ['--', '/usr/bin/setpriv', '--reuid=101', '--regid=102', '--clear-groups', '--', '/pg/postgres', '-D', '/d']);
});

test('cpu.stat and memory.events style files are read as numbers', () => {
  assert.deepEqual(parseKeyValues('nr_periods 88\nnr_throttled 15\nthrottled_time 1570000000\n'), { nr_periods: 88, nr_throttled: 15, throttled_time: 1570000000 });
  assert.deepEqual(parseKeyValues('oom_kill_disable 0\nunder_oom 0\noom_kill 2\nbogus x\n'), { oom_kill_disable: 0, under_oom: 0, oom_kill: 2 });
});

test('the report lists each service and the whole stack, memory in MiB', () => {
  const none = { memoryBytes: undefined, throttledSeconds: undefined, periods: undefined };
  const text = formatUsage({
    cgroupVersion: 1,
    enforced: true,
    location: '/sys/fs/cgroup/{cpu,cpuacct,memory}/crebitos-7',
    services: [
      { service: 'db', limits: { service: 'db', cpus: 0.7, memoryBytes: 360 * MiB, memoryText: '360MB' }, peakMemoryBytes: 47.1 * MiB, cpuSeconds: 0.2, throttledPeriods: 0, oomKills: 0, ...none },
      { service: 'nginx', limits: { service: 'nginx', cpus: 0.2, memoryBytes: 30 * MiB, memoryText: '30MB' }, peakMemoryBytes: undefined, cpuSeconds: undefined, throttledPeriods: undefined, oomKills: undefined, ...none },
    ],
    stack: { peakMemoryBytes: 50 * MiB, cpuSeconds: 1.5, throttledPeriods: undefined, oomKills: undefined, ...none },
  });
  assert.match(text, /^limits: cgroup v1 at \/sys\/fs\/cgroup\/\{cpu,cpuacct,memory\}\/crebitos-7$/m);
  assert.match(text, /^db +0\.7 +0\.20 s +0\/\? \(n\/a\) +360\.0 MiB \(360MB\) +47\.1 MiB +0$/m);
  assert.match(text, /^nginx +0\.2 +n\/a +n\/a +30\.0 MiB \(30MB\) +n\/a +n\/a$/m);
  assert.match(text, /^whole stack +0\.9 +1\.50 s +390\.0 MiB +50\.0 MiB at once$/m);
});
