// The connection's writer: every decision about how responses reach one peer lives here (docs/protocol.md §1).
//
// Bun's socket.write() sends what the kernel takes and keeps nothing, so the writer owns a queue
// and writes the rest on drain. A peer that frames its requests with newlines reads line by line and
// gets its responses batched once per event-loop turn. A legacy peer (bare JSON) parses whatever
// one recv(4096) returns, so it gets one response per write, paced apart, each within 4096 bytes.
// A WebSocket peer (a sink that says `messages`) gets each response as one write, one frame, whole.
import { encode, info, type Response } from "../protocol/responses.ts";
import { atTurnEnd, Phase } from "./turn.ts";

/** The part of a socket the writer needs; Bun's TCP socket fits it. */
export interface Sink {
  write(data: Uint8Array): number;
  end(): void;
  /** Each write is one message to the peer (a WebSocket frame): one response per write, whole and unpaced. */
  readonly messages?: boolean;
}

/** A response together with its wire bytes, so a broadcast is serialized once for every recipient. */
export interface Outgoing {
  response: Response;
  bytes: Uint8Array;
}

/**
 * A room's consecutive messages of one turn, lying end to end in one buffer (see outgoingLines): a
 * peer that reads lines gets them as one part, every other peer one response at a time.
 */
export interface OutgoingRun {
  bytes: Uint8Array;
  lines: readonly Outgoing[];
}

export function outgoing(response: Response): Outgoing {
  return { response, bytes: Buffer.from(encode(response)) };
}

/**
 * Responses whose JSON is at hand already (a turn's stored messages), so none is stringified twice:
 * their wire forms are written end to end into one buffer, each given a view of its line. (Written
 * one by one: joining the texts first and encoding the join costs far more.)
 */
export function outgoingLines(responses: readonly Response[], jsons: readonly string[]): Outgoing[] {
  const sizes: number[] = new Array(jsons.length);
  let total = 0;
  for (let i = 0; i < jsons.length; i++) total += sizes[i] = Buffer.byteLength(jsons[i]!) + 1;
  const bytes = Buffer.allocUnsafe(total);
  const all: Outgoing[] = new Array(responses.length);
  let start = 0;
  for (let i = 0; i < responses.length; i++) {
    const end = start + sizes[i]!;
    bytes.write(jsons[i]!, start);
    bytes[end - 1] = NEWLINE;
    all[i] = { response: responses[i]!, bytes: bytes.subarray(start, end) };
    start = end;
  }
  return all;
}

/** Lines of one outgoingLines call, consecutive, as one run. */
export function outgoingRun(lines: readonly Outgoing[]): OutgoingRun {
  const first = lines[0]!.bytes;
  const last = lines[lines.length - 1]!.bytes;
  return { bytes: new Uint8Array(first.buffer, first.byteOffset, last.byteOffset + last.length - first.byteOffset), lines };
}

const NEWLINE = 0x0a;

export interface WriterLimits {
  /** Queued bytes past which the peer counts as a slow consumer. */
  maxQueueBytes: number;
  /** Pause between two writes to a legacy peer, so that no two responses share one of its reads. */
  legacyGapMs: number;
  /** Largest single response a legacy peer can take in one read. */
  legacyMaxBytes: number;
}

// Writers with something to flush this turn. An array plus a flag on each writer (not a Set) keeps a
// broadcast's per-recipient cost to a push; a writer discarded meanwhile flushes as a no-op.
let pendingFlush: ResponseWriter[] = [];
let flushScheduled = false;

function flushPending(): void {
  flushScheduled = false;
  // A flush can queue more (a dropped slow consumer's leave notice): those writers are scheduled anew.
  const writers = pendingFlush;
  pendingFlush = [];
  for (const writer of writers) writer.scheduled = false;
  for (const writer of writers) writer.flush();
  lastParts = null;
  lastBatch = null;
}

// A broadcast turn leaves most recipients with the very same queued responses (the same Outgoing
// bytes, in the same order), so the batch built for one is reused for the next instead of concatenating
// the same bytes once per recipient. Queued bytes are never modified, so sharing them is safe.
let lastParts: Uint8Array[] | null = null;
let lastBatch: Uint8Array | null = null;

function batchOf(parts: Uint8Array[], totalBytes: number): Uint8Array {
  if (lastParts !== null && lastParts.length === parts.length) {
    let same = true;
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] !== lastParts[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastBatch!;
  }
  const batch = Buffer.concat(parts, totalBytes);
  lastParts = parts;
  lastBatch = batch;
  return batch;
}

export class ResponseWriter {
  /** True once the peer has shown it reads line by line; until then it is a legacy peer. */
  lineFramed = false;
  /** Already in this turn's pendingFlush. */
  scheduled = false;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  /** The tail of a write the kernel did not take; written again on drain. */
  private unsent: Uint8Array | null = null;
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  private closing = false;
  private closed = false;

  constructor(
    private readonly sink: Sink,
    private readonly limits: WriterLimits,
    private readonly onSlowConsumer: () => void,
  ) {}

  send(out: Outgoing | OutgoingRun): void {
    if (this.closed || this.closing) return;
    // Only a peer that reads lines takes a run whole; a message peer frames each response itself.
    if ("lines" in out && (!this.lineFramed || this.sink.messages)) {
      for (const line of out.lines) this.send(line);
      return;
    }
    const lagging = this.waiting();
    if (this.lineFramed || this.sink.messages) this.enqueue(out.bytes, lagging);
    else for (const part of fitForLegacyPeer(out as Outgoing, this.limits.legacyMaxBytes)) this.enqueue(part.bytes, lagging);
    if (lagging && this.backlog() > this.limits.maxQueueBytes) return this.onSlowConsumer();
    this.schedule();
  }

  /**
   * A peer that lags keeps what it is sent beyond this turn: a view of a turn's shared buffer (see
   * outgoingLines) is copied then, so the queue holds only the bytes it counts, never whole buffers.
   */
  private enqueue(bytes: Uint8Array, lagging: boolean): void {
    const kept = lagging && bytes.byteLength !== bytes.buffer.byteLength ? new Uint8Array(bytes) : bytes;
    this.queue.push(kept);
    this.queuedBytes += kept.length;
  }

  /** Ends the connection once everything queued so far has been written. */
  endWhenFlushed(): void {
    if (this.closed || this.closing) return;
    this.closing = true;
    this.schedule();
  }

  /** The socket is gone: forget everything still queued. */
  discard(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.unsent = null;
    if (this.gapTimer) clearTimeout(this.gapTimer);
  }

  /**
   * Bytes waiting on the peer rather than on this event-loop turn: what the kernel refused, and for a
   * legacy peer what waits behind the pacing. Only these count toward the slow-consumer limit, so one
   * turn's burst (a long history, many broadcasts) never drops a client that reads.
   */
  private waiting(): boolean {
    return this.unsent !== null || this.gapTimer !== null;
  }

  backlog(): number {
    return this.queuedBytes + (this.unsent?.length ?? 0);
  }

  drain(): void {
    if (this.closed || !this.unsent) return;
    const rest = this.unsent;
    this.unsent = null;
    if (this.writeOut(rest)) this.afterWrite();
  }

  flush(): void {
    if (this.closed || this.unsent || this.gapTimer) return;
    if (this.sink.messages) return this.flushMessages();
    if (this.queue.length === 0) return this.endIfClosing();
    if (this.writeOut(this.lineFramed ? this.takeAll() : this.takeOne())) this.afterWrite();
  }

  /** A message peer frames each response itself, so each goes out alone, never batched with the next. */
  private flushMessages(): void {
    while (this.queue.length > 0) if (!this.writeOut(this.takeOne())) return;
    this.endIfClosing();
  }

  /**
   * Everything handed to the kernel so far is out: go on, or for a legacy peer hold every write,
   * queued or yet to come, until the gap has passed since this one.
   */
  private afterWrite(): void {
    if (this.lineFramed) return this.flush();
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      this.flush();
    }, this.limits.legacyGapMs);
  }

  private endIfClosing(): void {
    if (!this.closing) return;
    this.closed = true;
    this.sink.end();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    pendingFlush.push(this);
    if (!flushScheduled) {
      flushScheduled = true;
      atTurnEnd(Phase.Flush, flushPending);
    }
  }

  private takeAll(): Uint8Array {
    const batch = this.queue.length === 1 ? this.queue[0]! : batchOf(this.queue, this.queuedBytes);
    this.queue = [];
    this.queuedBytes = 0;
    return batch;
  }

  private takeOne(): Uint8Array {
    const next = this.queue.shift()!;
    this.queuedBytes -= next.length;
    return next;
  }

  /** Writes bytes; returns true when the kernel took all of them. */
  private writeOut(bytes: Uint8Array): boolean {
    const taken = this.sink.write(bytes);
    if (taken < 0) {
      this.discard();
      return false;
    }
    if (taken < bytes.length) {
      this.unsent = bytes.subarray(taken);
      return false;
    }
    return true;
  }
}

/**
 * A legacy peer dies on any response longer than one of its reads. A long history keeps its newest
 * messages that fit, announced by an info; any other response has its content shortened.
 */
export function fitForLegacyPeer(out: Outgoing, maxBytes: number): Outgoing[] {
  if (out.bytes.length <= maxBytes) return [out];
  const { response } = out;
  if (response.response === "history" && Array.isArray(response.content)) {
    const kept = newestThatFit(response, maxBytes);
    const left = response.content.length - kept.length;
    const notice = info(`History: ${left} older message${left === 1 ? "" : "s"} not shown, too long for one read.`);
    return [outgoing(notice), outgoing({ ...response, content: kept })];
  }
  return [outgoing({ ...response, content: shorten(response, maxBytes) })];
}

function newestThatFit(response: Response, maxBytes: number): string[] {
  const all = response.content as string[];
  let size = Buffer.byteLength(encode({ ...response, content: [] }));
  let first = all.length;
  while (first > 0) {
    // Entries are joined by commas: every one but the newest brings one.
    const entry = Buffer.byteLength(JSON.stringify(all[first - 1])) + (first < all.length ? 1 : 0);
    if (size + entry > maxBytes) break;
    size += entry;
    first--;
  }
  return all.slice(first);
}

function shorten(response: Response, maxBytes: number): string {
  const text = String(response.content);
  const marker = "…";
  let low = 0, high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const fits = Buffer.byteLength(encode({ ...response, content: text.slice(0, mid) + marker })) <= maxBytes;
    if (fits) low = mid;
    else high = mid - 1;
  }
  return text.slice(0, low) + marker;
}
