// The configuration of the high-availability cluster, as pure functions of its ports and
// folders: one Patroni YAML per member, one HAProxy config. The timing settings are the one
// place that decides how fast a lost primary is replaced (docs/SCALING.md explains them).

/**
 * Patroni's timing (seconds). Patroni's defaults (ttl 30, loop_wait 10, retry_timeout 10) give a
 * 20-30 s write outage when the primary's machine is lost: the leader key must expire first.
 * - ttl 5: the leader key lives 5 s after the primary's last renewal; a lost primary is replaced
 *   4-5 s after it stopped renewing. etcd's own election timeout (1 s) is well below it.
 * - loop_wait 1: each Patroni renews its key / checks the cluster every second.
 * - retry_timeout 2: a primary that cannot reach etcd (or Postgres) for 2 s demotes itself, so
 *   it never keeps accepting writes after its key could have expired (loop_wait + 2 x
 *   retry_timeout <= ttl, Patroni's rule for a safe demotion: 1 + 2 x 2 = 5).
 * Shorter would fail over on a hiccup of a loaded, shared machine; the measured outages are in
 * bench/RESULTS.md.
 */
export const PATRONI_TIMING = { ttl: 5, loopWait: 1, retryTimeout: 2 } as const;

/**
 * HAProxy's checks of each member's Patroni REST API (GET /primary: 200 only on the leader).
 * inter 250ms, fall 2, rise 1: a primary that stops answering is out within ~0.5 s, and a newly
 * promoted one is in at its first 200 (within 0.25 s of its promotion). on-marked-down
 * shutdown-sessions cuts the connections still open to a node that is no longer primary, so a
 * pooled connection never keeps talking to a demoted (read-only) node.
 */
export const HAPROXY_CHECK = { interMs: 250, fall: 2, rise: 1, timeoutMs: 1000 } as const;

export const CLUSTER_SCOPE = 'crebitos';
export const REPLICATION_USER = 'replicator';

export interface MemberPorts {
  /** Postgres */
  postgres: number;
  /** Patroni's REST API */
  rest: number;
}

export interface PatroniConfigInput {
  name: string;
  ports: MemberPorts;
  /** host:port of every etcd member's client URL. */
  etcdHosts: string[];
  dataDir: string;
  /** Holds the unix socket and pgpass (writable by the postgres user). */
  runDir: string;
  binDir: string;
  superuserPassword: string;
  replicationPassword: string;
  timing?: { ttl: number; loopWait: number; retryTimeout: number };
}

/** One member's Patroni configuration (JSON is YAML, so Patroni reads it as it is). */
export function patroniConfig(input: PatroniConfigInput): object {
  const timing = input.timing ?? PATRONI_TIMING;
  const auth = { method: 'scram-sha-256' };
  return {
    scope: CLUSTER_SCOPE,
    name: input.name,
    log: { level: 'INFO' },
    restapi: { listen: `127.0.0.1:${input.ports.rest}`, connect_address: `127.0.0.1:${input.ports.rest}` },
    etcd3: { hosts: input.etcdHosts, protocol: 'http' },
    bootstrap: {
      // The cluster-wide settings, written to etcd by the first member at bootstrap.
      dcs: {
        ttl: timing.ttl,
        loop_wait: timing.loopWait,
        retry_timeout: timing.retryTimeout,
        maximum_lag_on_failover: 1048576,
        // A commit returns only once a synchronous standby has it: a 200 is on two nodes.
        synchronous_mode: true,
        // Strict: with no synchronous standby left, commits wait (and the API answers 503)
        // rather than quietly becoming single-copy. With 3 nodes one may be lost and writes go on.
        synchronous_mode_strict: true,
        synchronous_node_count: 1,
        postgresql: {
          use_pg_rewind: true,
          // No replication slots: after a promotion the new primary has none for the others
          // until its next loop, and a replica asking for its slot is refused and retries, while
          // strict synchronous mode holds every commit until a replica streams. wal_keep_size
          // keeps the WAL a briefly lagging replica needs; one further behind is cloned again.
          use_slots: false,
          parameters: {
            max_connections: 200,
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_keep_size: '256MB',
            hot_standby: 'on',
            wal_log_hints: 'on',
            // A replica whose primary vanished retries streaming this often (default 5 s): after a
            // promotion the remaining replica reaches the new primary within 0.5 s, and with
            // strict synchronous mode commits wait for exactly that.
            wal_retrieve_retry_interval: '500ms',
            // The house's durability, stated rather than assumed.
            fsync: 'on',
            synchronous_commit: 'on',
            full_page_writes: 'on',
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }, 'data-checksums'],
    },
    postgresql: {
      listen: `127.0.0.1:${input.ports.postgres}`,
      connect_address: `127.0.0.1:${input.ports.postgres}`,
      data_dir: input.dataDir,
      bin_dir: input.binDir,
      pgpass: `${input.runDir}/pgpass`,
      authentication: {
        superuser: { username: 'postgres', password: input.superuserPassword },
        replication: { username: REPLICATION_USER, password: input.replicationPassword },
        rewind: { username: 'postgres', password: input.superuserPassword },
      },
      parameters: { unix_socket_directories: input.runDir },
      pg_hba: [
        `local all all ${auth.method}`,
        `host replication ${REPLICATION_USER} 127.0.0.1/32 ${auth.method}`,
        `host all all 127.0.0.1/32 ${auth.method}`,
      ],
    },
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

export interface HaproxyConfigInput {
  /** Where the API connects: always the primary. */
  listenPort: number;
  members: { name: string; ports: MemberPorts }[];
  check?: { interMs: number; fall: number; rise: number; timeoutMs: number };
  host?: string;
  /** Most connections to Postgres through HAProxy (every API instance's pool together). */
  maxConnections?: number;
}

/** HAProxy in TCP mode: one listener for writes, to the member whose Patroni says primary. */
export function haproxyConfig(input: HaproxyConfigInput): string {
  const check = input.check ?? HAPROXY_CHECK;
  const host = input.host ?? '127.0.0.1';
  const servers = input.members
    .map((member) => `    server ${member.name} ${host}:${member.ports.postgres} maxconn 100 check port ${member.ports.rest}`)
    .join('\n');
  return `global
    maxconn ${input.maxConnections ?? 1000}

defaults
    mode tcp
    timeout connect ${check.timeoutMs}ms
    # Pooled connections stay open and idle for long; TCP keepalive (pg's keepAlive) keeps them.
    timeout client 30m
    timeout server 30m
    timeout check ${check.timeoutMs}ms

listen primary
    bind ${host}:${input.listenPort}
    option httpchk
    http-check send meth GET uri /primary
    http-check expect status 200
    default-server inter ${check.interMs}ms fastinter ${check.interMs}ms downinter ${check.interMs}ms fall ${check.fall} rise ${check.rise} on-marked-down shutdown-sessions
${servers}
`;
}

export interface EtcdMemberInput {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
}

/** The command line of one etcd member of a 3-member loopback cluster. */
export function etcdArgs(member: EtcdMemberInput, all: EtcdMemberInput[]): string[] {
  const peer = (m: EtcdMemberInput) => `http://127.0.0.1:${m.peerPort}`;
  return [
    '--name', member.name,
    '--data-dir', member.dataDir,
    '--listen-client-urls', `http://127.0.0.1:${member.clientPort}`,
    '--advertise-client-urls', `http://127.0.0.1:${member.clientPort}`,
    '--listen-peer-urls', peer(member),
    '--initial-advertise-peer-urls', peer(member),
    '--initial-cluster', all.map((m) => `${m.name}=${peer(m)}`).join(','),
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', CLUSTER_SCOPE,
    // etcd's defaults (100 ms heartbeat, 1 s election) are far below Patroni's ttl.
    '--heartbeat-interval', '100',
    '--election-timeout', '1000',
    '--logger', 'zap',
    '--log-level', 'warn',
  ];
}
