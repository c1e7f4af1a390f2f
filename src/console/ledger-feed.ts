// The live ledger view's feed: a snapshot every second while at least one browser watches (none
// otherwise: an unwatched console costs the database nothing), one query per tick whatever the
// number of watchers, never two in flight. A failed snapshot is published as an `unavailable`
// event carrying the API's error body, so the page can say in words what went wrong.
import { errorCodeForDatabaseError } from '../kernel/database-errors.js';
import { errorReply } from '../kernel/error-status.js';
import { EventFeed, type EventFeedOptions } from '../kernel/event-stream.js';
import { log } from '../kernel/log.js';

export interface LedgerSnapshotSource {
  /** The snapshot as JSON text. */
  ledgerSnapshot(): Promise<string>;
}

export interface LedgerFeedOptions extends Omit<EventFeedOptions, 'onActive' | 'onIdle'> {
  /** How often a snapshot is taken while someone watches. */
  readonly intervalMs: number;
}

export const SNAPSHOT_EVENT = 'snapshot';
export const UNAVAILABLE_EVENT = 'unavailable';

export class LedgerFeed {
  readonly feed: EventFeed;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  /** Snapshots taken since start (for tests and the metrics). */
  taken = 0;

  constructor(
    private readonly source: LedgerSnapshotSource,
    private readonly options: LedgerFeedOptions,
  ) {
    this.feed = new EventFeed({ ...options, onActive: () => this.start(), onIdle: () => this.stop() });
  }

  /** True while snapshots are being taken (someone watches). */
  get active(): boolean {
    return this.timer !== undefined;
  }

  private start(): void {
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    this.tick();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    // A snapshot slower than the interval delays the next one instead of piling up queries.
    if (this.inFlight) return;
    this.inFlight = true;
    this.source.ledgerSnapshot().then(
      (json) => {
        this.inFlight = false;
        this.taken++;
        if (this.active) this.feed.publish(SNAPSHOT_EVENT, json);
      },
      (error: unknown) => {
        this.inFlight = false;
        const code = errorCodeForDatabaseError(error);
        log.warn('console: ledger snapshot failed', { error: error instanceof Error ? error.message : String(error) });
        if (this.active) this.feed.publish(UNAVAILABLE_EVENT, errorReply(code).body);
      },
    );
  }
}
