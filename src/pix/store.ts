// The pix module's store on Postgres: one call of one function of sql/functions/pix/ per
// operation, as named (prepared) statements on the shared pool; and the notifications, on ONE
// dedicated connection outside the pool that LISTENs on channel `pix` and re-connects by itself.
// Pulls are batched naturally (kernel/natural-batch.ts): under load a pull waits mostly for its
// commit's WAL flush, and the pulls queued meanwhile share the next call's commit (pix_pull_batch).
import pg from 'pg';
import { errorCodeForDatabaseError } from '../kernel/database-errors.js';
import { ErrorCode } from '../kernel/errors.js';
import { log } from '../kernel/log.js';
import { CHANNEL, CLOSE_STREAM, EXPIRE_ALL, GENERATE_MESSAGES, OPEN_STREAMS, OPEN_STREAMS_BY_ISPB, PULL, PULL_BATCH, RELEASE_PULL, START_STREAM } from './store-sql.js';
import { NaturalBatch, type NaturalBatchOptions } from '../kernel/natural-batch.js';
import { StoreError } from '../kernel/store-error.js';
import { type PixStore, type PullResult } from './use-cases.js';

type PullRow = [status: string, pullNo: number, claimed: number, messages: string | null, acknowledged: number, expired: number];
type PullBatchRow = [item: number, ...PullRow];

interface PullArguments {
  readonly stream: number;
  readonly ispb: string;
  readonly seen: number;
  readonly max: number;
  readonly hold: string;
}

export class PgPixStore implements PixStore {
  private reachable = true;
  private readonly pulls: NaturalBatch<PullArguments, PullRow>;

  constructor(
    private readonly pool: pg.Pool,
    batching: NaturalBatchOptions,
    /** Told the size of every pull call sent (1 for pix_pull, n for pix_pull_batch). */
    onPullCall: (size: number) => void = () => {},
  ) {
    this.pulls = new NaturalBatch(batching, {
      one: (p) => this.call<PullRow>('pix_pull', PULL, [p.stream, p.ispb, p.seen, p.max, p.hold]),
      many: (batch) => this.pullBatch(batch),
      onCall: onPullCall,
    });
  }

  generate(ispb: string, count: number): Promise<number> {
    return this.call<[number]>('pix_generate_messages', GENERATE_MESSAGES, [ispb, count]).then((row) => row[0]);
  }

  start(ispb: string, maxStreams: number, hold: string): Promise<number | undefined> {
    return this.call<[string, string | null]>('pix_start_stream', START_STREAM, [ispb, maxStreams, hold]).then((row) =>
      row[0] === 'ok' ? Number(row[1]) : undefined,
    );
  }

  pull(stream: number, ispb: string, seen: number, max: number, hold: string): Promise<PullResult | undefined> {
    return this.pulls.submit({ stream, ispb, seen, max, hold }).then((row) =>
      row[0] === 'ok' ? { pullNo: row[1], claimed: row[2], messages: row[3] ?? '', acknowledged: row[4], expired: row[5] } : undefined,
    );
  }

  release(stream: number, pullNo: number): Promise<number> {
    return this.call<[number]>('pix_release_pull', RELEASE_PULL, [stream, pullNo]).then((row) => row[0]);
  }

  close(stream: number, ispb: string, seen: number): Promise<number | undefined> {
    return this.call<[string, number]>('pix_close_stream', CLOSE_STREAM, [stream, ispb, seen]).then((row) => (row[0] === 'ok' ? row[1] : undefined));
  }

  /** Closes every ISPB's expired streams; how many messages became available again. */
  expireAll(): Promise<number> {
    return this.call<[number]>('pix_expire_all', EXPIRE_ALL, []).then((row) => row[0]);
  }

  /** Open (unexpired) streams of every ISPB. */
  openStreams(): Promise<number> {
    return this.call<[number]>('pix_open_streams', OPEN_STREAMS, []).then((row) => row[0]);
  }

  /** Open (unexpired) streams of the `most` ISPBs with the most of them. */
  async openStreamsByIspb(most: number): Promise<Map<string, number>> {
    const rows = await this.query<[string, number]>('pix_open_streams_by_ispb', OPEN_STREAMS_BY_ISPB, [most]);
    return new Map(rows);
  }

  private async pullBatch(batch: readonly PullArguments[]): Promise<PullRow[]> {
    const size = batch.length;
    const streams = new Array<number>(size);
    const ispbs = new Array<string>(size);
    const seens = new Array<number>(size);
    const maxes = new Array<number>(size);
    const holds = new Array<string>(size);
    for (let i = 0; i < size; i++) {
      const p = batch[i]!;
      streams[i] = p.stream;
      ispbs[i] = p.ispb;
      seens[i] = p.seen;
      maxes[i] = p.max;
      holds[i] = p.hold;
    }
    const rows = await this.query<PullBatchRow>('pix_pull_batch', PULL_BATCH, [streams, ispbs, seens, maxes, holds]);
    // The function pulls in stream order; `item` puts each outcome back at its pull's place.
    const outcomes = new Array<PullRow>(size);
    for (const [item, ...outcome] of rows) outcomes[item - 1] = outcome;
    return outcomes;
  }

  private call<Row extends unknown[]>(name: string, text: string, values: unknown[]): Promise<Row> {
    return this.query<Row>(name, text, values).then((rows) => rows[0]!);
  }

  private query<Row extends unknown[]>(name: string, text: string, values: unknown[]): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.pool.query<Row>({ name, text, values, rowMode: 'array' }, (error, result) => {
        if (error) return reject(this.storeError(error));
        if (!this.reachable) {
          this.reachable = true;
          log.info('pix: database reachable again');
        }
        resolve(result.rows);
      });
    });
  }

  private storeError(error: Error): StoreError {
    const code = errorCodeForDatabaseError(error);
    if (code === ErrorCode.DatabaseUnavailable) {
      if (this.reachable) log.warn('pix: database unavailable; answering 503 until it is back', { error: error.message });
      this.reachable = false;
    } else {
      log.error('pix: database call failed', { error: error.message, code: (error as { code?: string }).code });
    }
    return new StoreError(code, error.message, { cause: error });
  }
}

export interface NotificationHandlers {
  /** A commit made messages of this ISPB available (an insert, a release, an expiry). */
  onNotify(ispb: string): void;
  /**
   * The connection is (re-)established and listening: anything committed while it was down was
   * not notified, so the waiting pulls must look again.
   */
  onListening(): void;
}

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 1000;

/**
 * ONE connection per instance, outside the pool, that LISTENs on channel `pix`. When it breaks
 * (a database restart, a network failure) it re-connects by itself, backing off from 100 ms to
 * 1 s, and tells the handlers once it listens again.
 */
export class PixListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryMs = RECONNECT_FIRST_MS;
  private timer: NodeJS.Timeout | undefined;
  private connected = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly handlers: NotificationHandlers,
    private readonly connectTimeoutMs: number,
  ) {}

  get listening(): boolean {
    return this.connected;
  }

  /** Connects and listens; rejects when the database cannot be reached (main retries start-up). */
  async start(): Promise<void> {
    await this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'crebitos-pix-listen',
      keepAlive: true,
      connectionTimeoutMillis: this.connectTimeoutMs,
    });
    let broken = false;
    const onBroken = (error?: Error) => {
      if (broken) return;
      broken = true;
      this.connected = false;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      if (this.stopped) return;
      log.warn('pix: LISTEN connection lost; re-connecting', { error: error?.message });
      this.scheduleReconnect();
    };
    client.on('notification', (message) => {
      if (message.payload !== undefined) this.handlers.onNotify(message.payload);
    });
    client.on('error', onBroken);
    client.on('end', () => onBroken());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      broken = true;
      client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    this.connected = true;
    this.retryMs = RECONNECT_FIRST_MS;
    this.handlers.onListening();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.connect().then(
        () => log.info('pix: LISTEN connection re-established'),
        (error: unknown) => {
          log.debug('pix: re-connecting failed', { error: (error as Error).message });
          this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
          this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    this.timer.unref();
  }
}
