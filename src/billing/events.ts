// GET /billings/files/events: server-sent events with the files list. Each subscriber gets
// `event: files` with the same JSON array as GET /billings/files at connect and whenever it
// changes, and a heartbeat comment every HEARTBEAT_MS (so proxies and browsers keep the stream).
// The list is read by one cheap poll per instance, only while a subscriber exists: no LISTEN
// connection, no NOTIFY in the import or the worker's transactions. Subscribers are bounded
// (BILLING_EVENTS_MAX); one that cannot keep up (its socket buffer full) is closed, and
// EventSource reconnects by itself.
import { ErrorCode } from '../kernel/errors.js';
import type { BodyWriter, HttpResponder } from '../kernel/http-responder.js';
import { log } from '../kernel/log.js';

export const POLL_MS = 1000;
export const HEARTBEAT_MS = 15_000;
const HEADERS = [['Cache-Control', 'no-cache'], ['X-Accel-Buffering', 'no']] as const;

export class FileEvents {
  private readonly subscribers = new Set<BodyWriter>();
  private poller: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private last = '';
  private polling = false;

  constructor(
    /** The JSON text of GET /billings/files. */
    private readonly list: () => Promise<string>,
    private readonly max: number,
  ) {}

  get count(): number {
    return this.subscribers.size;
  }

  subscribe(responder: HttpResponder): void {
    if (this.subscribers.size >= this.max) return responder.fail(ErrorCode.EventStreamsBusy);
    // The first event is read before the stream opens, so that a database outage is a 503.
    this.list().then(
      (json) => {
        const writer = responder.stream('200 OK', 'text/event-stream; charset=utf-8', HEADERS, () => this.remove(writer));
        if (writer === undefined) return; // the client went away meanwhile
        this.subscribers.add(writer);
        if (this.subscribers.size === 1) this.last = json;
        writer.write(`retry: 2000\nevent: files\ndata: ${json}\n\n`);
        this.startTimers();
      },
      (error: unknown) => responder.fail((error as { code?: ErrorCode }).code ?? ErrorCode.Internal),
    );
  }

  /** Ends every stream (the instance drains). */
  close(): void {
    for (const writer of [...this.subscribers]) writer.end();
    this.subscribers.clear();
    this.stopTimers();
  }

  private remove(writer: BodyWriter | undefined): void {
    if (writer !== undefined) this.subscribers.delete(writer);
    if (this.subscribers.size === 0) this.stopTimers();
  }

  private startTimers(): void {
    if (this.poller !== undefined) return;
    this.poller = setInterval(() => void this.poll(), POLL_MS);
    this.heartbeat = setInterval(() => this.broadcast(': heartbeat\n\n'), HEARTBEAT_MS);
  }

  private stopTimers(): void {
    clearInterval(this.poller);
    clearInterval(this.heartbeat);
    this.poller = undefined;
    this.heartbeat = undefined;
    this.last = '';
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const json = await this.list();
      if (json !== this.last) {
        this.last = json;
        this.broadcast(`event: files\ndata: ${json}\n\n`);
      }
    } catch (error) {
      log.debug('files events: listing failed', { error: (error as Error).message });
    } finally {
      this.polling = false;
    }
  }

  private broadcast(text: string): void {
    for (const writer of [...this.subscribers]) {
      if (!writer.write(text)) {
        writer.end();
        this.remove(writer);
      }
    }
  }
}
