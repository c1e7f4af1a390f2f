// Reads a server-sent events stream with fetch, event by event, for the console's tests.
export interface ServerEvent {
  event: string;
  data: string;
}

export class EventStreamReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  /** Comment lines seen (heartbeats). */
  comments = 0;
  ended = false;

  private constructor(
    readonly response: Response,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly controller: AbortController,
  ) {}

  static async open(url: string): Promise<EventStreamReader> {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
    if (response.body === null) throw new Error('no body');
    return new EventStreamReader(response, response.body.getReader(), controller);
  }

  /** The next event (named), or undefined when the stream ended or timeoutMs passed. */
  async next(timeoutMs: number): Promise<ServerEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const block = this.takeBlock();
      if (block !== undefined) {
        const event = this.parse(block);
        if (event !== undefined) return event;
        continue;
      }
      if (this.ended) return undefined;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.reader.read().catch(() => ({ done: true, value: undefined })),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remaining))),
      ]);
      clearTimeout(timer);
      if (chunk === 'timeout') return undefined;
      if (chunk.done) this.ended = true;
      else this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  /** The next event with this name, skipping others. */
  async nextOf(name: string, timeoutMs: number): Promise<ServerEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.next(Math.max(0, deadline - Date.now()));
      if (event === undefined || event.event === name) return event;
    }
  }

  /** Resolves true when the server ends the stream within timeoutMs. */
  async endsWithin(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < deadline) await this.next(deadline - Date.now());
    return this.ended;
  }

  close(): void {
    this.controller.abort();
  }

  private takeBlock(): string | undefined {
    const end = this.buffer.indexOf('\n\n');
    if (end < 0) return undefined;
    const block = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end + 2);
    return block;
  }

  private parse(block: string): ServerEvent | undefined {
    let event = 'message';
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      if (line.startsWith('event: ')) (event = line.slice(7)), (any = true);
      else if (line.startsWith('data: ')) data.push(line.slice(6)), (any = true);
    }
    return any && data.length > 0 ? { event, data: data.join('\n') } : undefined;
  }
}
