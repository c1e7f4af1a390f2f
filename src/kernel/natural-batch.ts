// Natural batching of database calls, for a store whose SQL has a one-item function and a batch
// form of it: while `callsInFlight` calls are running, new items wait in a queue, and the next
// call takes all of them (up to batchMax) in ONE batch call: one round trip and one commit for
// many requests. At low load an item goes out at once, alone, through the one-item call: no added
// latency. Each item is answered only by the call that carried it (after its commit).
import { ErrorCode } from './errors.js';
import { StoreError } from './store-error.js';

export interface NaturalBatchOptions {
  /** Calls in flight at once; at most the pool's connections. */
  readonly callsInFlight: number;
  /** Most items in one call. */
  readonly batchMax: number;
  /** Waiting items beyond which new ones are refused at once (StoreError Overloaded). */
  readonly queueMax: number;
}

export interface NaturalBatchCalls<Item, Outcome> {
  /** One item alone. */
  one(item: Item): Promise<Outcome>;
  /** Several items in one call: one outcome per item, in the items' order. */
  many(items: readonly Item[]): Promise<Outcome[]>;
  /** Told the size of every call sent (1 for `one`). */
  onCall?(size: number): void;
}

interface Waiting<Item, Outcome> {
  readonly item: Item;
  readonly resolve: (outcome: Outcome) => void;
  readonly reject: (error: unknown) => void;
}

export class NaturalBatch<Item, Outcome> {
  private readonly queue: Waiting<Item, Outcome>[] = [];
  private inFlight = 0;

  constructor(
    private readonly options: NaturalBatchOptions,
    private readonly calls: NaturalBatchCalls<Item, Outcome>,
  ) {}

  /** Items accepted but not answered yet (queued or in a call). */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  submit(item: Item): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const waiting = { item, resolve, reject };
      if (this.inFlight < this.options.callsInFlight) this.send([waiting]);
      else if (this.queue.length < this.options.queueMax) this.queue.push(waiting);
      else reject(new StoreError(ErrorCode.Overloaded, 'too many requests waiting for the database'));
    });
  }

  private send(batch: Waiting<Item, Outcome>[]): void {
    this.inFlight++;
    this.calls.onCall?.(batch.length);
    const call = batch.length === 1 ? this.sendOne(batch[0]!) : this.sendMany(batch);
    call.finally(() => {
      this.inFlight--;
      while (this.queue.length > 0 && this.inFlight < this.options.callsInFlight) this.send(this.queue.splice(0, this.options.batchMax));
    });
  }

  private sendOne(waiting: Waiting<Item, Outcome>): Promise<void> {
    return this.calls.one(waiting.item).then(waiting.resolve, waiting.reject);
  }

  private sendMany(batch: Waiting<Item, Outcome>[]): Promise<void> {
    return this.calls.many(batch.map((w) => w.item)).then(
      (outcomes) => {
        for (let i = 0; i < batch.length; i++) {
          const outcome = outcomes[i];
          if (outcome === undefined) batch[i]!.reject(new StoreError(ErrorCode.Internal, 'the batch call answered fewer rows than items'));
          else batch[i]!.resolve(outcome);
        }
      },
      (error: unknown) => {
        // One item's fault (an error no outcome covers) must not fail the others: the batch
        // rolled back as a whole, so each goes again alone and only the faulty one fails.
        if (error instanceof StoreError && error.code === ErrorCode.DatabaseUnavailable) {
          for (const waiting of batch) waiting.reject(error);
          return;
        }
        for (const waiting of batch) void this.sendOne(waiting);
      },
    );
  }
}
