// The Pix message streams (spec part E), independent of HTTP and of Postgres: parsing the path,
// the long poll, and what a pull answers. The atomic work (claims, acknowledgements, the stream
// limit, leases) is SQL (store.ts); this file decides when to ask for it.
//
// The long poll, without sleep-polling: a pull that finds nothing stays in `waiting` (by ISPB)
// holding no database connection and one timer, its deadline. A commit that makes messages of
// an ISPB available notifies channel `pix` (store.ts listens on one connection per instance),
// and wake(ispb) makes each waiting pull of that ISPB claim once more. A notification that
// arrives while a pull's claim is in flight marks it dirty: it claims again as soon as that
// claim returns empty, so a commit between the claim's snapshot and its answer is never missed.
import { ErrorCode } from '../kernel/errors.js';
import type { Responder } from '../kernel/responder.js';
import { formatInterationId, parseInterationId, parseIspb, parseMessageCount } from './path-params.js';
import { CLOSED_BODY, serializeGenerated } from './schemas.js';
import { errorCodeOf } from '../kernel/store-error.js';

type Headers = readonly (readonly [string, string])[];

/** What a pull answers through: the routes hand in the edge's responder. */
export interface PullResponder extends Responder {
  /** True once answered or aborted. */
  readonly finished: boolean;
  send(status: string, contentType: string, body: string, headers?: Headers): void;
  json(status: string, json: string, headers?: Headers): void;
  noContent(headers?: Headers): void;
  /** Called once if the client goes away before the answer. */
  onAbort(listener: () => void): void;
}

export interface PullResult {
  /** The number of this pull: the next interationId's. */
  readonly pullNo: number;
  readonly claimed: number;
  /** The claimed messages' JSON, joined with commas ('' when none). */
  readonly messages: string;
  readonly acknowledged: number;
  /** Messages that expired streams of the ISPB gave back during this call. */
  readonly expired: number;
}

/** The database side, implemented by store.ts. Rejections are StoreErrors. */
export interface PixStore {
  generate(ispb: string, count: number): Promise<number>;
  /** The new stream's id, or undefined when the ISPB has every stream open already. */
  start(ispb: string, maxStreams: number, hold: string): Promise<number | undefined>;
  /** undefined: no such open stream of this ISPB. */
  pull(stream: number, ispb: string, seen: number, max: number, hold: string): Promise<PullResult | undefined>;
  release(stream: number, pullNo: number): Promise<number>;
  /** Messages acknowledged, or undefined: no such open stream of this ISPB. */
  close(stream: number, ispb: string, seen: number): Promise<number | undefined>;
}


export interface PixOptions {
  /** How long a pull with nothing to deliver waits (part E: 8 s). */
  readonly waitMs: number;
  readonly leaseS: number;
  readonly maxStreams: number;
}

/** What the module counts; the module turns these into metrics. */
export interface PixEvents {
  delivered(count: number): void;
  acknowledged(count: number): void;
  expired(count: number): void;
  released(count: number): void;
  /** A notified pull answered with messages, this long after the notification arrived. */
  wokenUp(ms: number): void;
}

const OK = '200 OK';
const CREATED = '201 Created';
const JSON_TYPE = 'application/json';
const MULTIPART_TYPE = 'multipart/json';
/** Messages per answer: one object for application/json, up to 10 in an array for multipart/json. */
const MULTIPART_MAX = 10;

/** One pull in progress: claiming, or waiting for a notification or its deadline. */
class Poll {
  claiming = false;
  /** A notification came while claiming: claim again if this claim comes back empty. */
  dirty = false;
  /** The deadline passed: answer 204 once no claim is in flight. */
  due = false;
  /** Set by the first claim that answered. */
  pullNo = -1;
  /** performance.now() of the notification that woke it (0: not woken). */
  notifiedAt = 0;
  timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly ispb: string,
    readonly stream: number,
    readonly seen: number,
    readonly multipart: boolean,
    readonly responder: PullResponder,
  ) {}
}

export class PixStreams {
  /** The pulls waiting or claiming, by ISPB. */
  private readonly waiting = new Map<string, Set<Poll>>();
  private count = 0;
  private draining = false;
  private readonly hold: string;

  constructor(
    private readonly store: PixStore,
    private readonly options: PixOptions,
    private readonly events: PixEvents,
    private readonly now: () => number = () => performance.now(),
  ) {
    // A stream's lease runs from the end of its latest pull: a pull may wait waitMs first.
    this.hold = `${options.waitMs + options.leaseS * 1000} milliseconds`;
  }

  /** Pulls in progress on this instance (claiming or waiting). */
  get polls(): number {
    return this.count;
  }

  generate(ispbText: string, countText: string, responder: Responder & { json(status: string, json: string): void }): void {
    const ispb = parseIspb(ispbText);
    if (ispb === undefined) return responder.fail(ErrorCode.InvalidIspb);
    const count = parseMessageCount(countText);
    if (count === undefined) return responder.fail(ErrorCode.InvalidMessageCount);
    this.store.generate(ispb, count).then(
      (created) => responder.json(CREATED, serializeGenerated({ criadas: created })),
      (error: unknown) => responder.fail(errorCodeOf(error)),
    );
  }

  start(ispbText: string, accept: string, responder: PullResponder): void {
    const ispb = parseIspb(ispbText);
    if (ispb === undefined) return responder.fail(ErrorCode.InvalidIspb);
    this.store.start(ispb, this.options.maxStreams, this.hold).then(
      (stream) => {
        if (stream === undefined) return responder.fail(ErrorCode.StreamLimit);
        if (responder.finished) return; // gone before its first pull: the lease frees the slot
        this.begin(new Poll(ispb, stream, 0, isMultipart(accept), responder));
      },
      (error: unknown) => responder.fail(errorCodeOf(error)),
    );
  }

  pull(ispbText: string, idText: string, accept: string, responder: PullResponder): void {
    const ispb = parseIspb(ispbText);
    if (ispb === undefined) return responder.fail(ErrorCode.InvalidIspb);
    const id = parseInterationId(idText);
    if (id === undefined) return responder.fail(ErrorCode.StreamNotFound);
    this.begin(new Poll(ispb, id.stream, id.seen, isMultipart(accept), responder));
  }

  close(ispbText: string, idText: string, responder: PullResponder): void {
    const ispb = parseIspb(ispbText);
    if (ispb === undefined) return responder.fail(ErrorCode.InvalidIspb);
    const id = parseInterationId(idText);
    if (id === undefined) return responder.fail(ErrorCode.StreamNotFound);
    this.store.close(id.stream, ispb, id.seen).then(
      (acknowledged) => {
        if (acknowledged === undefined) return responder.fail(ErrorCode.StreamNotFound);
        this.events.acknowledged(acknowledged);
        responder.ok(CLOSED_BODY);
      },
      (error: unknown) => responder.fail(errorCodeOf(error)),
    );
  }

  /** Messages of this ISPB were committed: every pull waiting for it claims once more. */
  wake(ispb: string): void {
    const polls = this.waiting.get(ispb);
    if (polls === undefined) return;
    const at = this.now();
    for (const poll of polls) this.nudge(poll, at);
  }

  /** Notifications may have been missed (the LISTEN connection was down): every pull looks again. */
  wakeAll(): void {
    const at = this.now();
    for (const polls of this.waiting.values()) for (const poll of polls) this.nudge(poll, at);
  }

  /** The instance drains: waiting pulls answer 204 now, and later ones do not wait, instead of holding the drain up. */
  drain(): void {
    this.draining = true;
    for (const polls of this.waiting.values()) {
      for (const poll of polls) {
        poll.due = true;
        if (!poll.claiming && poll.pullNo >= 0) this.answerEmpty(poll);
      }
    }
  }

  private begin(poll: Poll): void {
    let polls = this.waiting.get(poll.ispb);
    if (polls === undefined) this.waiting.set(poll.ispb, (polls = new Set()));
    polls.add(poll);
    this.count++;
    // While draining a pull still claims once, but answers 204 at once instead of waiting.
    if (this.draining) poll.due = true;
    poll.responder.onAbort(() => this.remove(poll));
    poll.timer = setTimeout(() => this.deadline(poll), this.options.waitMs);
    this.claim(poll);
  }

  private nudge(poll: Poll, at: number): void {
    if (poll.claiming) {
      poll.dirty = true;
      if (poll.notifiedAt === 0) poll.notifiedAt = at;
      return;
    }
    if (poll.pullNo < 0) return; // its first claim failed and was answered
    poll.notifiedAt = at;
    this.claim(poll);
  }

  private claim(poll: Poll): void {
    poll.claiming = true;
    poll.dirty = false;
    const max = poll.multipart ? MULTIPART_MAX : 1;
    this.store.pull(poll.stream, poll.ispb, poll.seen, max, this.hold).then(
      (result) => this.claimed(poll, result),
      (error: unknown) => this.claimFailed(poll, error),
    );
  }

  private claimed(poll: Poll, result: PullResult | undefined): void {
    poll.claiming = false;
    const responder = poll.responder;
    if (result === undefined) {
      this.remove(poll);
      return responder.fail(ErrorCode.StreamNotFound);
    }
    if (result.acknowledged > 0) this.events.acknowledged(result.acknowledged);
    if (result.expired > 0) this.events.expired(result.expired);
    poll.pullNo = result.pullNo;
    if (result.claimed > 0) {
      this.remove(poll);
      if (responder.finished) {
        // The client went away while these were claimed for it: they go back (and wake others).
        this.store.release(poll.stream, result.pullNo).then(
          (released) => this.events.released(released),
          () => {}, // the stream's lease gives them back then
        );
        return;
      }
      const next: Headers = [['Pull-Next', pullNext(poll.ispb, poll.stream, result.pullNo)]];
      if (poll.multipart) responder.send(OK, MULTIPART_TYPE, `[${result.messages}]`, next);
      else responder.send(OK, JSON_TYPE, result.messages, next);
      this.events.delivered(result.claimed);
      if (poll.notifiedAt !== 0) this.events.wokenUp(this.now() - poll.notifiedAt);
      return;
    }
    if (responder.finished) return this.remove(poll);
    if (poll.due) return this.answerEmpty(poll);
    if (poll.dirty) return this.claim(poll);
    poll.notifiedAt = 0; // waits again, for the next notification
  }

  private claimFailed(poll: Poll, error: unknown): void {
    poll.claiming = false;
    if (poll.pullNo < 0 || poll.responder.finished) {
      // The pull's first claim: nothing was acknowledged nor claimed; the collector may retry.
      this.remove(poll);
      return poll.responder.fail(errorCodeOf(error));
    }
    // A wake-up's claim: keep waiting (the LISTEN connection's return wakes it again).
    if (poll.due) this.answerEmpty(poll);
  }

  private deadline(poll: Poll): void {
    poll.timer = undefined;
    poll.due = true;
    if (!poll.claiming) this.answerEmpty(poll);
  }

  private answerEmpty(poll: Poll): void {
    this.remove(poll);
    poll.responder.noContent([['Pull-Next', pullNext(poll.ispb, poll.stream, poll.pullNo)]]);
  }

  private remove(poll: Poll): void {
    clearTimeout(poll.timer);
    poll.timer = undefined;
    const polls = this.waiting.get(poll.ispb);
    if (polls === undefined || !polls.delete(poll)) return;
    this.count--;
    if (polls.size === 0) this.waiting.delete(poll.ispb);
  }
}

function isMultipart(accept: string): boolean {
  return accept.length >= 14 && accept.toLowerCase().includes(MULTIPART_TYPE);
}

function pullNext(ispb: string, stream: number, pullNo: number): string {
  return `/api/pix/${ispb}/stream/${formatInterationId(stream, pullNo)}`;
}
