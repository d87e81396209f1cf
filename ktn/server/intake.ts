// The intake: one connection's requests on their way in, decoded, held in order, and paced by flood control.
import { FrameTooLargeError, JsonStreamDecoder, type Frame } from "../protocol/framing.ts";
import type { Limits } from "./limits.ts";
import { TokenBucket } from "./rate.ts";

/** Flood control announces itself at most this often, so the notice cannot itself become a flood. */
const FLOOD_NOTICE_INTERVAL_MS = 10_000;

export interface IntakeEvents {
  /** Handles one frame; yields false when the request was refused with an `error`. */
  handle(frame: Frame): boolean | Promise<boolean>;
  /** The connection must end: send this error and close. */
  abort(reason: string): void;
  /** Flood control has started slowing this connection down. */
  throttled(notify: boolean): void;
}

/** Reading can be stopped and restarted; Bun's TCP socket fits. */
export interface Readable {
  pause(): void;
  resume(): void;
}

export class RequestIntake {
  private readonly decoder: JsonStreamDecoder;
  /** Frames decoded but not yet handled, in arrival order. */
  private inbox: Frame[] = [];
  private readonly requestBudget: TokenBucket;
  private readonly refusalBudget: TokenBucket;
  /** Reasons reading is paused (flood control, a request still running); reading resumes at zero. */
  private holds = 0;
  private throttling = false;
  private lastFloodNotice = -Infinity;
  private stopped = false;

  constructor(
    private readonly limits: Limits,
    private readonly socket: Readable,
    private readonly events: IntakeEvents,
  ) {
    this.decoder = new JsonStreamDecoder(limits.maxFrameBytes);
    this.requestBudget = new TokenBucket(limits.floodBurst, limits.floodRate);
    this.refusalBudget = new TokenBucket(limits.maxBadRequests, limits.maxBadRequests / 60);
  }

  /** True once the peer has shown it ends its requests with a newline. */
  get newlineFramed(): boolean {
    return this.decoder.newlineFramed;
  }

  receive(chunk: Uint8Array): void {
    if (this.stopped) return;
    try {
      for (const frame of this.decoder.push(chunk)) this.inbox.push(frame);
    } catch (failure) {
      if (!(failure instanceof FrameTooLargeError)) throw failure;
      return this.abort(tooLarge(failure.limit));
    }
    this.process();
  }

  /**
   * One WebSocket message: exactly one request, already delimited (docs/protocol.md §14). A WebSocket
   * cannot be told to stop sending, so while reading is held at most one burst of requests may wait.
   */
  receiveMessage(data: string | Uint8Array): void {
    if (this.stopped) return;
    const size = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    if (size > this.limits.maxFrameBytes) return this.abort(tooLarge(this.limits.maxFrameBytes));
    if (this.inbox.length >= this.limits.floodBurst) {
      return this.abort(`Flood control: more than ${this.limits.floodBurst} requests waiting, and a WebSocket cannot be slowed down. Disconnecting.`);
    }
    this.inbox.push(messageFrame(data));
    this.process();
  }

  /** Nothing more is handled: the connection is ending. */
  stop(): void {
    this.stopped = true;
    this.inbox = [];
  }

  /** Handles held frames in order while the flood budget lasts and no request is still running. */
  private process(): void {
    while (this.inbox.length > 0 && this.holds === 0 && !this.stopped) {
      if (!this.requestBudget.take()) return this.throttle();
      const outcome = this.events.handle(this.inbox.shift()!);
      if (outcome instanceof Promise) return this.await(outcome);
      this.judge(outcome);
    }
  }

  private await(outcome: Promise<boolean>): void {
    this.hold();
    void outcome.then((accepted) => {
      this.judge(accepted);
      this.release();
    });
  }

  /** Counts refusals: past the budget the client is only sending garbage, so it goes. */
  private judge(accepted: boolean): void {
    if (accepted || this.stopped || this.refusalBudget.take()) return;
    this.abort(`Too many refused requests (more than ${this.limits.maxBadRequests} a minute). Disconnecting.`);
  }

  private throttle(): void {
    if (this.throttling) return;
    this.throttling = true;
    const now = performance.now();
    const notify = now - this.lastFloodNotice > FLOOD_NOTICE_INTERVAL_MS;
    if (notify) this.lastFloodNotice = now;
    this.events.throttled(notify);
    this.hold();
    setTimeout(() => {
      this.throttling = false;
      this.release();
    }, this.requestBudget.msUntilNext());
  }

  private hold(): void {
    if (this.holds++ === 0) this.socket.pause();
  }

  private release(): void {
    if (--this.holds > 0 || this.stopped) return;
    this.socket.resume();
    this.process();
  }

  private abort(reason: string): void {
    this.stop();
    this.events.abort(reason);
  }
}

function tooLarge(limit: number): string {
  return `Request too large: the limit is ${limit} bytes. Disconnecting.`;
}

/** A text message is one JSON value or malformed; two values in one message are malformed too. */
function messageFrame(data: string | Uint8Array): Frame {
  if (typeof data !== "string") return { kind: "malformed", reason: "a binary message (send each request as one text message)" };
  try {
    return { kind: "value", value: JSON.parse(data) };
  } catch {
    return { kind: "malformed", reason: "malformed JSON" };
  }
}
