// One connection from the checker to a server under test: paced requests out, every byte kept both ways, responses decoded.
import type { Socket } from "bun";
import { FrameTooLargeError, JsonStreamDecoder } from "../protocol/framing.ts";
import { asObject } from "./describe.ts";
import type { Entry, Evidence } from "./report.ts";
import { recentlyStalled, watchStalls } from "./stalls.ts";

/** A good citizen: at most 4 requests a second on one connection (servers start limiting floods at 5). */
const REQUEST_GAP_MS = 250;
/**
 * KTN has no request ids: the answer to a request is the first response after it. So before asking,
 * the connection must have been quiet this long, or a notice still on its way would pass for the answer.
 */
export const QUIET_MS = 150;
/** Memory stays bounded whatever a server sends: one response, and all a connection may send in one run. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const MAX_RECEIVED_BYTES = 4 * MAX_RESPONSE_BYTES;

/** "line": every request ends with a newline; "bare": bare JSON with nothing after it, as course clients send. */
export type Framing = "line" | "bare";

/** One response as it arrived. */
export interface Received {
  /** The decoded value; undefined when the bytes were not JSON. */
  value: unknown;
  malformed?: string;
  /** Index in the transcript of the read that completed it. */
  read: number;
  /** Bytes a reader must take for it, its delimiter included: exact when it had its reads to itself, else its compact size. */
  size: number;
}

/** A login's answer: everything up to the history, or up to the first error. */
export interface LoginAnswer {
  answers: Received[];
  history: Received | null;
  refused: Received | null;
}

/** A response's keys, none of them trusted yet. */
export type ResponseFields = { timestamp?: unknown; sender?: unknown; response?: unknown; content?: unknown };

/** What arrived, as an object whose keys can be looked at; null when it is not an object. */
export function fields(received: Received | null): ResponseFields | null {
  return asObject(received?.value);
}

export function isA(received: Received | null, kind: string): boolean {
  return fields(received)?.response === kind;
}

export class ConnectError extends Error {}

export class Peer {
  readonly transcript: Entry[] = [];
  readonly received: Received[] = [];
  /** Transcript indices of reads that held parts of two or more responses. */
  readonly mixedReads: number[] = [];
  /** Such reads that came while the checker itself had stalled: the server may have paced them well. */
  readonly stalledReads: number[] = [];
  /** The name this connection logged in with, until it logs out. */
  username: string | null = null;
  closed = false;
  private socket: Socket | null = null;
  private readonly decoder = new JsonStreamDecoder(MAX_RESPONSE_BYTES);
  private unread: Received[] = [];
  private outbox: Uint8Array = new Uint8Array(0);
  private nextRequestAt = 0;
  private lastActivityAt = performance.now();
  private receivedBytes = 0;
  private waiters = new Set<() => void>();

  private constructor(
    readonly label: string,
    readonly framing: Framing,
    private readonly timeoutMs: number,
  ) {}

  /** Connects within `timeoutMs`; throws ConnectError naming the reason. */
  static async connect(host: string, port: number, label: string, framing: Framing, timeoutMs: number): Promise<Peer> {
    watchStalls();
    const peer = new Peer(label, framing, timeoutMs);
    const connecting = Bun.connect({
      hostname: host,
      port,
      socket: {
        data: (_socket, chunk) => peer.onData(chunk),
        drain: () => peer.flush(),
        close: () => peer.onClose(),
        error: () => peer.onClose(),
      },
    });
    const socket = await Promise.race([connecting, Bun.sleep(timeoutMs).then(() => null)]).catch((failure: { code?: string; message?: string }) => {
      throw new ConnectError(failure.code ?? failure.message ?? String(failure));
    });
    if (!socket) {
      void connecting.then((late) => late.terminate(), () => {});
      throw new ConnectError(`no connection within ${timeoutMs} ms`);
    }
    peer.socket = socket;
    return peer;
  }

  /** Sends one request in this connection's framing. */
  send(request: unknown): Promise<void> {
    return this.sendRaw(JSON.stringify(request) + (this.framing === "line" ? "\n" : ""));
  }

  /** Sends text exactly as given, counting `requests` against the pace. */
  async sendRaw(text: string, requests = 1): Promise<void> {
    const wait = this.nextRequestAt - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    this.nextRequestAt = performance.now() + REQUEST_GAP_MS * requests;
    if (this.closed || !this.socket) return;
    const bytes = new TextEncoder().encode(text);
    this.transcript.push({ direction: "sent", bytes });
    this.outbox = this.outbox.length === 0 ? bytes : Buffer.concat([this.outbox, bytes]);
    this.flush();
  }

  /** The next response not yet taken, or null after `timeoutMs` or once the connection closed. */
  async next(timeoutMs = this.timeoutMs): Promise<Received | null> {
    const deadline = performance.now() + timeoutMs;
    while (this.unread.length === 0) {
      if (this.closed || performance.now() >= deadline) return null;
      await this.wait(deadline - performance.now());
    }
    return this.unread.shift()!;
  }

  /** Takes responses until one matches; null if none did in time. */
  async waitFor(match: (received: Received) => boolean, timeoutMs = this.timeoutMs): Promise<Received | null> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const received = await this.next(deadline - performance.now());
      if (!received || match(received)) return received;
    }
  }

  /** Waits until nothing has arrived for QUIET_MS (bounded), then forgets what was not taken (notices). */
  async quiet(): Promise<void> {
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const left = this.lastActivityAt + QUIET_MS - performance.now();
      if (left <= 0 || this.closed || performance.now() >= deadline) break;
      await Bun.sleep(left);
    }
    this.unread = [];
  }

  /** Sends a request once the line is quiet and takes the first response after it. */
  async ask(request: unknown): Promise<Received | null> {
    await this.quiet();
    await this.send(request);
    return this.next();
  }

  /** Every response until `QUIET_MS` pass with nothing new (bounded by the step timeout). */
  async takeUntilQuiet(): Promise<Received[]> {
    const taken: Received[] = [];
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const received = await this.next(Math.min(QUIET_MS, deadline - performance.now()));
      if (!received) return taken;
      taken.push(received);
    }
  }

  /** Logs in: the answer is everything up to the history, or up to the first error. */
  async login(username: string): Promise<LoginAnswer> {
    await this.quiet();
    await this.send({ request: "login", content: username });
    const answers: Received[] = [];
    for (;;) {
      const received = await this.next();
      if (!received) return { answers, history: null, refused: null };
      answers.push(received);
      if (isA(received, "error")) return { answers, history: null, refused: received };
      this.username = username;
      if (isA(received, "history")) return { answers, history: received, refused: null };
    }
  }

  /** Asks to log out and waits (bounded) for the answer; the connection stays as the server leaves it. */
  async requestLogout(): Promise<Received | null> {
    await this.send({ request: "logout", content: null });
    this.username = null;
    return this.next();
  }

  /** Logs out and ends the connection: the answer, a moment for the server's close, then our close. */
  async logout(): Promise<void> {
    if (this.closed) return;
    await this.requestLogout();
    await this.waitClosed(QUIET_MS * 2);
    this.close();
  }

  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!this.closed && performance.now() < deadline) await this.wait(deadline - performance.now());
    return this.closed;
  }

  /** Closes gracefully (FIN); nothing more is read. */
  close(): void {
    this.socket?.end();
    this.onClose();
  }

  /** Drops the connection with a reset, as a killed client does, without a logout. */
  abort(): void {
    this.socket?.terminate();
    this.onClose();
  }

  /** Where the transcript stands now, to show later only what a check saw. */
  mark(): number {
    return this.transcript.length;
  }

  evidence(from = 0, to = this.transcript.length): Evidence {
    return { label: this.label, entries: this.transcript.slice(from, to) };
  }

  /** The read that completed a response, with the request sent before it: what a reader needs to see. */
  evidenceOf(received: Received): Evidence {
    let from = received.read;
    while (from > 0 && this.transcript[from]!.direction === "received") from--;
    return this.evidence(from, received.read + 1);
  }

  private flush(): void {
    if (!this.socket || this.outbox.length === 0) return;
    const taken = this.socket.write(this.outbox);
    this.outbox = taken < 0 ? new Uint8Array(0) : this.outbox.subarray(taken);
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    const bytes = new Uint8Array(chunk);
    this.receivedBytes += bytes.length;
    if (this.receivedBytes > MAX_RECEIVED_BYTES) {
      this.take({ value: undefined, malformed: `more than ${MAX_RECEIVED_BYTES} bytes on one connection`, read: this.transcript.length - 1, size: 0 });
      return this.abort();
    }
    this.transcript.push({ direction: "received", bytes });
    this.lastActivityAt = performance.now();
    const read = this.transcript.length - 1;
    const before = this.decoder.pendingBytes;
    let frames;
    try {
      frames = this.decoder.push(bytes);
    } catch (failure) {
      if (!(failure instanceof FrameTooLargeError)) throw failure;
      this.take({ value: undefined, malformed: `a response over ${MAX_RESPONSE_BYTES} bytes`, read, size: MAX_RESPONSE_BYTES });
      return this.abort();
    }
    const after = this.decoder.pendingBytes;
    if (frames.length + (after > 0 ? 1 : 0) > 1) (recentlyStalled() ? this.stalledReads : this.mixedReads).push(read);
    for (const frame of frames) {
      const value = frame.kind === "value" ? frame.value : undefined;
      const size = frames.length === 1 ? before + bytes.length - after : Buffer.byteLength(JSON.stringify(value) ?? "") + 1;
      this.take(frame.kind === "value" ? { value, read, size } : { value, malformed: frame.reason, read, size });
    }
  }

  private take(received: Received): void {
    this.received.push(received);
    this.unread.push(received);
    this.wake();
  }

  private onClose(): void {
    this.closed = true;
    this.socket = null;
    this.wake();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

  private wake(): void {
    for (const done of [...this.waiters]) done();
  }
}
