// One request per brand-new TCP connection, as each Gatling virtual user of the official test
// opens its own connection. Requests are written as raw HTTP/1.1 with `Connection: close`.
// Per-request state lives in pooled slots and the socket listeners are shared functions, so the
// send path allocates little beyond the socket itself and the request string.

import dns from 'node:dns/promises';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { HttpResponseReader } from '../../kit/http-response.js';

export interface Target {
  readonly host: string;
  readonly port: number;
  /** Value of the Host header. */
  readonly hostHeader: string;
}

/** Parses an http:// URL into a connection target (https is not part of the contract). */
export function parseTarget(url: string): Target {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`only http:// URLs are supported, got ${url}`);
  const port = u.port === '' ? 80 : Number(u.port);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port, hostHeader: u.host };
}

/**
 * Resolves the host name once, so thousands of connections per second do not each queue a
 * getaddrinfo on libuv's small thread pool. Each address is probed with a TCP connect and the
 * first that accepts wins ("localhost" may resolve to ::1 while the server listens on IPv4).
 */
export async function resolveTarget(target: Target, probeTimeoutMs = 2000): Promise<Target> {
  if (net.isIP(target.host) !== 0) return target;
  const addresses = await dns.lookup(target.host, { all: true });
  for (const { address } of addresses) {
    if (await canConnect(address, target.port, probeTimeoutMs)) return { ...target, host: address };
  }
  // Nothing answers yet: keep the first address and let the requests report the refusals.
  return { ...target, host: addresses[0]?.address ?? target.host };
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** What a finished request reports; the slot is recycled after the callback returns. */
export interface Completion {
  /** HTTP status, or 0 when no complete response arrived. */
  readonly status: number;
  /** Body bytes of a complete response (empty otherwise). */
  readonly body: Buffer;
  /** Error code (ECONNREFUSED, TIMEOUT, ...) when no complete response arrived. */
  readonly error: string | null;
  /** performance.now() when the connection was opened. */
  readonly startMs: number;
  /** performance.now() when the response was complete or the request failed. */
  readonly endMs: number;
}

export type DoneCallback = (tag: number, completion: Completion) => void;

class Slot implements Completion {
  status = 0;
  body: Buffer = Buffer.alloc(0);
  error: string | null = null;
  startMs = 0;
  endMs = 0;
  deadlineMs = 0;
  tag = 0;
  onDone: DoneCallback | null = null;
  socket: net.Socket | null = null;
  readonly parser = new HttpResponseReader();
  constructor(
    readonly id: number,
    readonly owner: OneShotClient,
  ) {}
}

const SLOT = Symbol('loadtest-slot');
type TaggedSocket = net.Socket & { [SLOT]?: Slot | null };

export class OneShotClient {
  private readonly slots: Slot[] = [];
  private readonly free: number[] = [];
  private active = 0;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    readonly target: Target,
    readonly timeoutMs: number,
    readonly maxInFlight: number,
  ) {
    // Timeouts are swept rather than armed per request: one timer instead of one per request,
    // at a resolution (100 ms) that is plenty for a 60 s timeout.
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(100, Math.max(10, timeoutMs / 4)));
    this.sweepTimer.unref();
  }

  get inFlight(): number {
    return this.active;
  }

  /**
   * Opens a connection and writes `request` (UTF-8). Returns false, without sending,
   * when `maxInFlight` requests are already outstanding.
   */
  send(request: string, tag: number, onDone: DoneCallback): boolean {
    if (this.active >= this.maxInFlight) return false;
    const slot = this.acquire();
    slot.tag = tag;
    slot.onDone = onDone;
    slot.status = 0;
    slot.error = null;
    slot.parser.reset();
    slot.startMs = performance.now();
    slot.deadlineMs = slot.startMs + this.timeoutMs;
    this.active++;
    let socket: TaggedSocket;
    try {
      socket = net.connect(this.target.port, this.target.host) as TaggedSocket;
    } catch (err) {
      this.finish(slot, errorCode(err));
      return true;
    }
    socket[SLOT] = slot;
    slot.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.on('timeout', onSocketTimeout);
    socket.write(request, 'utf8');
    return true;
  }

  /** Fails every outstanding request with `reason` (used when the run's hard deadline passes). */
  abortAll(reason: string): void {
    for (const slot of this.slots) if (slot.onDone !== null) this.finish(slot, reason);
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }

  private acquire(): Slot {
    const id = this.free.pop();
    if (id !== undefined) return this.slots[id]!;
    const slot = new Slot(this.slots.length, this);
    this.slots.push(slot);
    return slot;
  }

  private sweep(): void {
    if (this.active === 0) return;
    const now = performance.now();
    for (const slot of this.slots) if (slot.onDone !== null && slot.deadlineMs <= now) this.finish(slot, 'TIMEOUT');
  }

  /** Completes a slot exactly once: detach and destroy the socket, report, recycle. (Internal: called by the socket listeners.) */
  finish(slot: Slot, error: string | null): void {
    const onDone = slot.onDone;
    if (onDone === null) return;
    slot.onDone = null;
    slot.endMs = performance.now();
    const socket = slot.socket as TaggedSocket | null;
    if (socket !== null) {
      socket[SLOT] = null;
      slot.socket = null;
      if (error === null && !socket.readableEnded) {
        // The response is whole but the server has not closed yet: let it close first, so the
        // TIME_WAIT lands on its side and not on our ephemeral ports (at 3,400 connections/s
        // they would run out). Capped, for servers that ignore `Connection: close`.
        socket.setTimeout(LINGER_MS);
      } else {
        socket.destroy();
      }
    }
    if (error !== null) {
      slot.error = error;
      slot.status = 0;
      slot.body = EMPTY;
    } else {
      slot.status = slot.parser.status;
      slot.body = slot.parser.body;
    }
    this.active--;
    try {
      onDone(slot.tag, slot);
    } finally {
      slot.body = EMPTY;
      this.free.push(slot.id);
    }
  }
}

const EMPTY = Buffer.alloc(0);

function slotOf(socket: TaggedSocket): Slot | null {
  return socket[SLOT] ?? null;
}

/** How long a finished connection may wait for the server to close it. */
const LINGER_MS = 1000;

function onSocketData(this: TaggedSocket, chunk: Buffer): void {
  const slot = slotOf(this);
  if (slot === null) return; // lingering after its response: extra bytes are ignored
  if (slot.parser.feed(chunk)) slot.owner.finish(slot, slot.parser.error === null ? null : 'EPROTO');
}

function onSocketEnd(this: TaggedSocket): void {
  const slot = slotOf(this);
  if (slot === null) {
    this.destroy(); // the server closed a lingering connection, as hoped
    return;
  }
  slot.parser.finishOnEof();
  slot.owner.finish(slot, slot.parser.complete ? null : 'ECONNCLOSED');
}

function onSocketError(this: TaggedSocket, err: Error): void {
  const slot = slotOf(this);
  if (slot === null) return;
  slot.owner.finish(slot, errorCode(err));
}

function onSocketClose(this: TaggedSocket): void {
  const slot = slotOf(this);
  if (slot === null) return;
  slot.parser.finishOnEof();
  slot.owner.finish(slot, slot.parser.complete ? null : 'ECONNCLOSED');
}

function onSocketTimeout(this: TaggedSocket): void {
  this.destroy();
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}
