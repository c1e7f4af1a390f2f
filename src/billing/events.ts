// GET /billings/files/events: the files list as server-sent events, on the kernel's EventFeed
// (bounded subscribers, a heartbeat comment, a reader that cannot keep up skipped, then dropped).
// Each subscriber gets `event: files` with the same JSON array as GET /billings/files at connect
// and whenever it changes. The list is read by one cheap poll per instance, only while a
// subscriber exists: no LISTEN connection, no NOTIFY in the import or the worker's transactions.
import { ErrorCode } from '../kernel/errors.js';
import { EventFeed } from '../kernel/event-stream.js';
import type { HttpResponder } from '../kernel/http-responder.js';
import { log } from '../kernel/log.js';

export const POLL_MS = 1000;
export const HEARTBEAT_MS = 15_000;
export const FILES_EVENT = 'files';
const HEADERS = [['Cache-Control', 'no-cache'], ['X-Accel-Buffering', 'no']] as const;

export class FileEvents {
  readonly feed: EventFeed;
  private poller: NodeJS.Timeout | undefined;
  /** The list last published; undefined while nobody listens. */
  private last: string | undefined;
  private polling = false;

  constructor(
    /** The JSON text of GET /billings/files. */
    private readonly list: () => Promise<string>,
    maxSubscribers: number,
  ) {
    this.feed = new EventFeed({
      maxSubscribers, heartbeatMs: HEARTBEAT_MS, retryMs: 2000, maxBehindMs: 15_000,
      onActive: () => this.start(), onIdle: () => this.stop(),
    });
  }

  get count(): number {
    return this.feed.size;
  }

  subscribe(responder: HttpResponder): void {
    if (this.feed.full) return responder.fail(ErrorCode.EventStreamsBusy);
    // The first list is read before the stream opens, so that a database outage is a 503.
    this.list().then(
      (json) => {
        if (this.feed.full) return responder.fail(ErrorCode.EventStreamsBusy); // filled meanwhile
        this.publishIfChanged(json);
        let unsubscribe = () => {};
        const stream = responder.stream('200 OK', 'text/event-stream; charset=utf-8', HEADERS, () => unsubscribe());
        if (stream === undefined) return; // the client went away meanwhile
        stream.write(this.feed.opening());
        unsubscribe = this.feed.subscribe(stream)!;
      },
      (error: unknown) => responder.fail((error as { code?: ErrorCode }).code ?? ErrorCode.Internal),
    );
  }

  /** Ends every stream (the instance drains). */
  close(): void {
    this.feed.closeAll();
    this.stop();
  }

  private publishIfChanged(json: string): void {
    if (json === this.last) return;
    this.last = json;
    this.feed.publish(FILES_EVENT, json);
  }

  private start(): void {
    this.poller = setInterval(() => void this.poll(), POLL_MS);
    this.poller.unref();
  }

  private stop(): void {
    clearInterval(this.poller);
    this.poller = undefined;
    this.last = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const json = await this.list();
      if (this.poller !== undefined) this.publishIfChanged(json);
    } catch (error) {
      log.debug('files events: listing failed', { error: (error as Error).message });
    } finally {
      this.polling = false;
    }
  }
}
