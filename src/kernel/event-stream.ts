// Server-sent events (text/event-stream) of one feed to many subscribers. What every such feed
// needs, in one place: a bounded number of subscribers (the next one is refused, never queued),
// a heartbeat comment so that a quiet stream is not cut by a proxy's read timeout (nginx's) and a
// client gone without a word shows up as a failed write, the newest event at once to whoever subscribes, and a
// subscriber that reads slower than we write skipped instead of buffered (a feed's events are
// states: only the newest matters), then dropped if it stays behind. No uWS here: a subscriber is
// an EventSink (kernel/http-responder.ts's BodyWriter, or a test's recorder).

/** Where a feed writes one subscriber's events. */
export interface EventSink {
  /** False once ended, or once the client went away. */
  readonly open: boolean;
  /** False when the chunk had to be buffered (the subscriber is behind). */
  write(chunk: string): boolean;
  /** Called once the buffered output drained, after a write returned false. */
  onWritable(listener: () => void): void;
  end(): void;
}

export interface EventFeedOptions {
  /** Subscribers at once; subscribe() refuses the next one. */
  readonly maxSubscribers: number;
  /** A comment line is sent this often, whatever the events (well inside the proxy's read timeout). */
  readonly heartbeatMs: number;
  /** The reconnection delay the browser's EventSource is told to use (`retry:`). */
  readonly retryMs: number;
  /** A subscriber whose output stays buffered this long is ended (it reconnects when it can). */
  readonly maxBehindMs: number;
  /** Called when the first subscriber arrives (e.g. to start producing events). */
  readonly onActive?: () => void;
  /** Called when the last subscriber leaves (e.g. to stop producing events). */
  readonly onIdle?: () => void;
}

/** One event in the wire format: `event:` then one `data:` line per line of data, then a blank line. */
export function formatEvent(event: string, data: string): string {
  if (/[\r\n]/.test(event)) throw new Error('an event name is one line');
  return `event: ${event}\ndata: ${data.split(/\r\n|\r|\n/).join('\ndata: ')}\n\n`;
}

export const HEARTBEAT = ': heartbeat\n\n';

interface Subscriber {
  readonly sink: EventSink;
  /** When its output started to be buffered; undefined while it keeps up. */
  behindSince: number | undefined;
  /** An event was skipped while it was behind: it gets the newest one once it drained. */
  missed: boolean;
}

export class EventFeed {
  private readonly subscribers = new Set<Subscriber>();
  private latest: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: EventFeedOptions) {}

  get size(): number {
    return this.subscribers.size;
  }

  get full(): boolean {
    return this.subscribers.size >= this.options.maxSubscribers;
  }

  /**
   * What a new subscriber's response starts with: the retry hint and the newest event, if any.
   * Written by the caller with the response's headers, in the same write.
   */
  opening(): string {
    return `retry: ${this.options.retryMs}\n\n${this.latest ?? ''}`;
  }

  /**
   * Adds a subscriber that already received opening(); returns its unsubscribe function, or
   * undefined when the feed is full (the caller answers 503).
   */
  subscribe(sink: EventSink): (() => void) | undefined {
    if (this.full) return undefined;
    const subscriber: Subscriber = { sink, behindSince: undefined, missed: false };
    this.subscribers.add(subscriber);
    if (this.subscribers.size === 1) {
      this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
      this.heartbeat.unref();
      this.options.onActive?.();
    }
    return () => this.remove(subscriber);
  }

  /** Sends an event to every subscriber that keeps up, and keeps it for the next ones. */
  publish(event: string, data: string): void {
    this.latest = formatEvent(event, data);
    for (const subscriber of this.subscribers) this.send(subscriber, this.latest);
  }

  /** Ends every subscriber's stream (the instance drains: their EventSource reconnects elsewhere). */
  closeAll(): void {
    for (const subscriber of [...this.subscribers]) {
      subscriber.sink.end();
      this.remove(subscriber);
    }
  }

  private send(subscriber: Subscriber, chunk: string): void {
    if (!subscriber.sink.open) return this.remove(subscriber);
    if (subscriber.behindSince !== undefined) {
      if (Date.now() - subscriber.behindSince > this.options.maxBehindMs) {
        subscriber.sink.end();
        return this.remove(subscriber);
      }
      subscriber.missed = true;
      return;
    }
    if (subscriber.sink.write(chunk)) return;
    subscriber.behindSince = Date.now();
    subscriber.sink.onWritable(() => {
      subscriber.behindSince = undefined;
      if (subscriber.missed && this.latest !== undefined) {
        subscriber.missed = false;
        this.send(subscriber, this.latest);
      }
    });
  }

  private beat(): void {
    for (const subscriber of this.subscribers) this.send(subscriber, HEARTBEAT);
  }

  private remove(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    if (this.subscribers.size === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
      // A stopped feed's newest event grows old: the next first subscriber waits for a fresh one.
      this.latest = undefined;
      this.options.onIdle?.();
    }
  }
}
