// A high-availability PostgreSQL cluster on loopback from Debian's packages: 3 etcd members,
// 3 Postgres nodes each managed by Patroni (synchronous replication), and HAProxy sending every
// connection to the current primary. Used by `npm run cluster`, the failover tests and
// bench/cluster.ts. Patroni members are supervised as an init system would: one whose Patroni
// dies is started again, but only after longer than the leader key's ttl (a machine that comes
// back later), so a killed primary is a real failover and it returns as a replica.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { pollUntil, sleep } from '../../kit/poll.js';
import {
  CLUSTER_BINARIES,
  childPids,
  Daemon,
  killAll,
  missingClusterBinaries,
  waitForExit,
} from './cluster-processes.js';
import { etcdArgs, haproxyConfig, PATRONI_TIMING, patroniConfig, type EtcdMemberInput, type MemberPorts } from './cluster-config.js';
import { freePort } from './ports.js';

export { missingClusterBinaries };

/**
 * What the API instances get over the cluster: a call that certainly did not run (no primary
 * for a moment, a shutting-down or read-only node) is retried for up to 4 s before its 503, so
 * a planned switchover (about 2.5 s without a primary, plus up to one 1 s connect timeout while
 * HAProxy has no server) fails no request; during a lost primary's failover (about 5 s) the
 * requests still get 503s, each within about 4 s.
 */
export const CLUSTER_API_ENV: Readonly<Record<string, string>> = { DB_FAILOVER_WAIT_MS: '4000' };

export interface ClusterOptions {
  /** Holds every member's data and logs. Kept: a restart on the same folder keeps the ledger. */
  workDir: string;
  /** Fixed ports from here (etcd remembers its peers' addresses across restarts); free ports when omitted. */
  basePort?: number;
  /** Postgres superuser password (the API connects as this user). */
  password?: string;
  /** Delay before the supervisor restarts a member whose Patroni died (default ttl + 3 s). */
  restartDelayMs?: number;
  log?: (line: string) => void;
}

/** One member as Patroni's GET /cluster lists it. */
export interface ClusterMemberState {
  name: string;
  role: 'leader' | 'sync_standby' | 'replica' | string;
  state: string;
  timeline?: number;
  lag?: number | string;
}

interface Identity {
  uid: number;
  gid: number;
}

/** Postgres refuses to run as root: Patroni (which starts it) then runs as the postgres user. */
function postgresIdentity(): Identity | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

export class PatroniMember {
  readonly daemon: Daemon;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Date.now() of each restart the supervisor made. */
  readonly restarts: number[] = [];

  constructor(
    readonly name: string,
    readonly ports: MemberPorts,
    readonly dir: string,
    private readonly configFile: string,
    identity: Identity | undefined,
    readonly restartDelayMs: number,
    private readonly log: (line: string) => void,
  ) {
    this.daemon = new Daemon(name, CLUSTER_BINARIES.patroni, [configFile], path.join(dir, 'patroni.log'), identity);
    this.daemon.onExit((code, signal) => {
      if (this.stopping) return;
      this.log(`${name}: Patroni exited (${signal ?? `code ${code}`}); starting it again in ${restartDelayMs} ms, longer than the leader key's ttl`);
      this.restartTimer = setTimeout(() => {
        if (this.stopping) return;
        this.restarts.push(Date.now());
        this.log(`${name}: starting Patroni again`);
        this.daemon.start();
      }, restartDelayMs);
    });
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.ports.rest}`;
  }

  start(): void {
    this.stopping = false;
    this.daemon.start();
  }

  /**
   * Sets Patroni's nofailover tag (in its configuration file, then POST /reload) and waits until
   * its REST API reports it: a member so tagged never runs for leader.
   */
  async setNoFailover(value: boolean): Promise<void> {
    const config = JSON.parse(readFileSync(this.configFile, 'utf8')) as { tags: Record<string, boolean> };
    config.tags.nofailover = value;
    await writeFile(this.configFile, JSON.stringify(config, null, 2));
    const reloaded = await pollUntil(
      async () => {
        const response = await fetch(`${this.restUrl}/reload`, { method: 'POST', signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        await response?.arrayBuffer();
        const status = await getJson(`${this.restUrl}/patroni`);
        return Boolean(status?.tags?.nofailover) === value;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    if (!reloaded) throw new Error(`${this.name}: Patroni did not take nofailover=${value}`);
  }

  /** The postmaster's pid, from its pid file, when it runs. */
  postmasterPid(): number | undefined {
    const file = path.join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /**
   * The machine is lost: kill -9 of Patroni, the postmaster and every backend at once. The
   * supervisor brings Patroni back after restartDelayMs.
   */
  async killHard(): Promise<{ patroniPid: number | undefined; postmasterPid: number | undefined }> {
    const patroniPid = this.daemon.pid;
    const postmasterPid = this.postmasterPid();
    const pids = [patroniPid, postmasterPid, ...(postmasterPid ? childPids(postmasterPid) : [])].filter((p): p is number => p !== undefined);
    killAll(pids);
    await waitForExit(pids);
    return { patroniPid, postmasterPid };
  }

  /** Stops Patroni (it stops its Postgres) and disarms the supervisor. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.daemon.stop('SIGTERM', 30_000);
    // A Postgres that outlived a killed Patroni: stop it too.
    const postmaster = this.postmasterPid();
    if (postmaster !== undefined) {
      try {
        process.kill(postmaster, 'SIGINT');
      } catch {
        // gone
      }
      await waitForExit([postmaster], 15_000);
    }
  }
}

export class PostgresCluster {
  private constructor(
    readonly etcd: Daemon[],
    readonly etcdHosts: string[],
    readonly members: PatroniMember[],
    readonly haproxy: Daemon,
    /** HAProxy's port: always the primary. */
    readonly port: number,
    readonly password: string,
    private readonly log: (line: string) => void,
  ) {}

  /** postgres://... through HAProxy (the primary), for the given database. */
  url(database = 'postgres'): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  /** postgres://... straight to one member (e.g. to check a replica holds a row). */
  memberUrl(member: PatroniMember, database = 'postgres'): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${member.ports.postgres}/${database}`;
  }

  static async start(options: ClusterOptions): Promise<PostgresCluster> {
    const missing = missingClusterBinaries();
    if (missing.length > 0) throw new Error(`the cluster needs Debian's packages: missing ${missing.join(', ')}`);
    const log = options.log ?? ((line: string) => process.stderr.write(`[cluster] ${line}\n`));
    const workDir = path.resolve(options.workDir);
    const password = options.password ?? 'crebitos';
    const identity = postgresIdentity();
    let next = options.basePort;
    const port = async () => (next === undefined ? freePort() : next++);

    await mkdir(workDir, { recursive: true });
    // The postgres user must reach its members' folders.
    await chmod(workDir, 0o755);

    const started: { stop(): Promise<void> }[] = [];
    try {
      // etcd: all three at once (each waits for a quorum of peers).
      const etcdInputs: EtcdMemberInput[] = [];
      for (let i = 1; i <= 3; i++) {
        etcdInputs.push({ name: `etcd${i}`, clientPort: await port(), peerPort: await port(), dataDir: path.join(workDir, `etcd${i}`) });
      }
      const etcd = etcdInputs.map((input) => new Daemon(input.name, CLUSTER_BINARIES.etcd, etcdArgs(input, etcdInputs), path.join(workDir, `${input.name}.log`)));
      for (const daemon of etcd) {
        daemon.start();
        started.push(daemon);
      }
      const etcdHosts = etcdInputs.map((input) => `127.0.0.1:${input.clientPort}`);
      for (const host of etcdHosts) await waitForEtcd(host, 30_000);

      const memberInputs: { name: string; ports: MemberPorts }[] = [];
      for (let i = 1; i <= 3; i++) memberInputs.push({ name: `pg${i}`, ports: { postgres: await port(), rest: await port() } });
      const restartDelayMs = options.restartDelayMs ?? (PATRONI_TIMING.ttl + 3) * 1000;
      const members: PatroniMember[] = [];
      for (const input of memberInputs) {
        const dir = path.join(workDir, input.name);
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const config = patroniConfig({
          name: input.name,
          ports: input.ports,
          etcdHosts,
          dataDir: path.join(dir, 'data'),
          runDir: dir,
          binDir: CLUSTER_BINARIES.postgresBinDir,
          superuserPassword: password,
          replicationPassword: `${password}-replication`,
        });
        const configFile = path.join(dir, 'patroni.yml');
        await writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
        if (identity) {
          await chown(dir, identity.uid, identity.gid);
          await chown(configFile, identity.uid, identity.gid);
        }
        members.push(new PatroniMember(input.name, input.ports, dir, configFile, identity, restartDelayMs, log));
      }
      // A new cluster: the first member bootstraps, the others clone it with pg_basebackup once
      // it leads. An existing one: all at once (only the last synchronous standby or leader may lead).
      const existing = members.some((member) => existsSync(path.join(member.dataDir, 'PG_VERSION')));
      if (!existing) {
        members[0]!.start();
        started.push(members[0]!);
        await waitFor('a leader', () => primaryOf(members).then((m) => m !== undefined), 60_000).catch((error: Error) => {
          throw new Error(`${error.message}; the end of ${members[0]!.name}'s Patroni log:\n${tail(path.join(members[0]!.dir, 'patroni.log'))}`);
        });
      }
      for (const member of existing ? members : members.slice(1)) {
        member.start();
        started.push(member);
      }

      const haproxyPort = await port();
      const haproxyFile = path.join(workDir, 'haproxy.cfg');
      await writeFile(haproxyFile, haproxyConfig({ listenPort: haproxyPort, members: memberInputs }));
      const haproxy = new Daemon('haproxy', CLUSTER_BINARIES.haproxy, ['-db', '-f', haproxyFile], path.join(workDir, 'haproxy.log'));
      haproxy.start();
      started.push(haproxy);

      const cluster = new PostgresCluster(etcd, etcdHosts, members, haproxy, haproxyPort, password, log);
      await cluster.waitUntilHealthy(120_000);
      return cluster;
    } catch (error) {
      for (const service of started.reverse()) await service.stop().catch(() => {});
      throw error;
    }
  }

  /** Patroni's view of the cluster (asked of any member that answers). */
  async state(): Promise<ClusterMemberState[]> {
    for (const member of this.members) {
      const body = await getJson(`${member.restUrl}/cluster`);
      if (body?.members) return body.members as ClusterMemberState[];
    }
    return [];
  }

  /** The member whose Patroni answers /primary with 200, if any. */
  primary(): Promise<PatroniMember | undefined> {
    return primaryOf(this.members);
  }

  member(name: string): PatroniMember {
    const member = this.members.find((m) => m.name === name);
    if (member === undefined) throw new Error(`no member ${name}`);
    return member;
  }

  /** Healthy: one leader, two replicas streaming (one of them synchronous), writes accepted through HAProxy. */
  async waitUntilHealthy(timeoutMs: number): Promise<void> {
    let last = '';
    const ok = await pollUntil(
      async () => {
        const members = await this.state();
        last = JSON.stringify(members.map((m) => [m.name, m.role, m.state]));
        const leader = members.filter((m) => m.role === 'leader' && m.state === 'running');
        const sync = members.filter((m) => m.role === 'sync_standby' && ['running', 'streaming'].includes(m.state));
        const replicas = members.filter((m) => m.role !== 'leader' && ['running', 'streaming'].includes(m.state));
        if (leader.length !== 1 || sync.length !== 1 || replicas.length !== 2) return false;
        return this.acceptsWrites();
      },
      { timeoutMs, intervalMs: 250 },
    );
    if (!ok) throw new Error(`the cluster was not healthy within ${timeoutMs} ms: ${last}`);
  }

  /** True when a connection through HAProxy reaches a primary (not in recovery). */
  async acceptsWrites(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000, query_timeout: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      const { rows } = await client.query('SELECT pg_is_in_recovery() AS recovery');
      return rows[0].recovery === false;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }

  /**
   * A planned switchover: the leader hands over to its synchronous standby (the only one sure to
   * hold every commit) through Patroni's REST API. Patroni stops the old primary with a fast
   * shutdown, which cuts the transactions in flight, and one waiting for its synchronous standby
   * dies with an unknown outcome. So first the primary is drained: new transactions become
   * read-only (refused with 25006 before doing anything, which the API retries for
   * DB_FAILOVER_WAIT_MS), those in flight finish (at most drainMs), and only then Patroni
   * switches. The setting is removed again from the old primary, which by then is a replica.
   * Resolves with the new leader's name.
   */
  async switchover(drainMs = 1000): Promise<string> {
    const members = await this.state();
    const leader = members.find((m) => m.role === 'leader');
    const candidate = members.find((m) => m.role === 'sync_standby');
    if (!leader || !candidate) throw new Error(`no leader and synchronous standby to switch over: ${JSON.stringify(members)}`);
    const old = this.member(leader.name);
    // The member that is neither leader nor candidate sits out the leader race: otherwise, between
    // the old leader's release of its key and the candidate taking it, it may ask every member's
    // REST API whether it is the healthiest, waiting up to 2 s (a fixed timeout in Patroni) on the
    // demoting one, and only then follow the new primary, which strict synchronous mode makes wait for it.
    const bystanders = this.members.filter((m) => m.name !== leader.name && m.name !== candidate.name);
    for (const member of bystanders) await member.setNoFailover(true);
    await this.drainWrites(old, drainMs);
    try {
      const response = await fetch(`${old.restUrl}/switchover`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ leader: leader.name, candidate: candidate.name }),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`switchover refused: ${response.status} ${text}`);
    } finally {
      await this.undrain(old);
      for (const member of bystanders) await member.setNoFailover(false);
    }
    return candidate.name;
  }

  /** New transactions on the member become read-only; waits until none writing is left (at most drainMs). */
  private async drainWrites(member: PatroniMember, drainMs: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.memberUrl(member), connectionTimeoutMillis: 2000 });
    await client.connect();
    try {
      await client.query('ALTER SYSTEM SET default_transaction_read_only = on');
      await client.query('SELECT pg_reload_conf()');
      const deadline = Date.now() + drainMs;
      while (Date.now() < deadline) {
        const { rows } = await client.query(
          "SELECT count(*)::int AS writing FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_xid IS NOT NULL",
        );
        if (rows[0].writing === 0) break;
        await sleep(10);
      }
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Removes the drain's setting (the member may be restarting as a replica: retried up to 60 s). */
  private async undrain(member: PatroniMember): Promise<void> {
    let lastError = '';
    const done = await pollUntil(
      async () => {
        const client = new pg.Client({ connectionString: this.memberUrl(member), connectionTimeoutMillis: 1000 });
        client.on('error', () => {});
        try {
          await client.connect();
          await client.query('ALTER SYSTEM RESET default_transaction_read_only');
          await client.query('SELECT pg_reload_conf()');
          return true;
        } catch (error) {
          lastError = (error as Error).message;
          return false;
        } finally {
          await client.end().catch(() => {});
        }
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    if (!done) throw new Error(`could not reset default_transaction_read_only on ${member.name}: ${lastError}`);
  }

  /** Stops everything: Patroni members (each stops its Postgres), HAProxy, then etcd. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((member) => member.stop().catch((error: Error) => this.log(`${member.name}: ${error.message}`))));
    await this.haproxy.stop();
    await Promise.all(this.etcd.map((daemon) => daemon.stop()));
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function primaryOf(members: readonly PatroniMember[]): Promise<PatroniMember | undefined> {
  const answers = await Promise.all(members.map((member) => statusOf(`${member.restUrl}/primary`)));
  const primaries = members.filter((_, i) => answers[i] === 200);
  return primaries.length === 1 ? primaries[0] : undefined;
}

async function statusOf(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

async function getJson(url: string): Promise<any> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.status === 200 ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

async function waitForEtcd(host: string, timeoutMs: number): Promise<void> {
  await waitFor(`etcd at ${host}`, async () => (await getJson(`http://${host}/health`))?.health === 'true', timeoutMs);
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  if ((await pollUntil(probe, { timeoutMs, intervalMs: 200 })) === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export { sleep };
