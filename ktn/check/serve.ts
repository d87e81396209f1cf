// The grading server (`--serve`): answers one client like a correct server, keeps its payloads, puts the hard cases to it.
import type { Socket } from "bun";
import { FrameTooLargeError, JsonStreamDecoder, type Frame } from "../protocol/framing.ts";
import { encode, error, info, message, type Response } from "../protocol/responses.ts";
import { asObject } from "./describe.ts";
import { HARD_CASE_CHECKS, judgeHardCases, loginAnswer, tour, type Ending, type HardCase, type Write } from "./hard-cases.ts";
import { judgePayloads, PAYLOAD_CHECKS, type Payload } from "./payloads.ts";
import { Report, type CheckSpec, type Outcome } from "./report.ts";

/** Every check of a client's grading, in the order the report lists them. */
const CLIENT_CHECKS = [...Object.values(PAYLOAD_CHECKS), ...Object.values(HARD_CASE_CHECKS)];

/** Like a careful server: one response per write, a little apart, so that only the hard cases join or split responses. */
const RESPONSE_GAP_MS = 30;
/** Between two hard cases: time for a client that dies on one to close before the next comes. */
const CASE_GAP_MS = 120;
/** Between the writes of one hard case (the halves of a split response). */
const PART_GAP_MS = 60;
/** After the last hard case nothing is written for a while, so a close then is blamed on it. */
const AFTER_TOUR_MS = 400;
/**
 * After the goodbye the grader waits this long for the client to close first: how it closes shows
 * whether it read everything (a close with bytes unread is a reset). Well past how long clients wait
 * for a server's close (ours: a quiet 250 ms, then 1 s).
 */
const LINGER_MS = 3000;
const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** A person types a handful; a client that sends this many is flooding, and the grading stops there (memory stays bounded). */
const MAX_PAYLOADS = 1000;
const USERNAME = /^[A-Za-z0-9]+$/;
const HELP_TEXT = [
  "login <username>  log in (letters A-Z, a-z and digits 0-9)",
  "msg <message>     send a message to everyone",
  "names             list the users",
  "help              show this text",
  "logout            log out and disconnect",
].join("\n");

/** One write waiting its turn; an empty one only holds the line quiet for its pause. */
interface Outgoing {
  bytes: Uint8Array;
  pause: number;
  spec: CheckSpec | null;
  end?: boolean;
}

/** The one connection being graded. */
class ClientUnderTest {
  readonly payloads: Payload[] = [];
  readonly writes: Write[] = [];
  ending: Ending | null = null;
  private readonly decoder = new JsonStreamDecoder(MAX_PAYLOAD_BYTES);
  private username: string | null = null;
  private logoutAsked = false;
  private queue: Outgoing[] = [];
  private pumping = false;
  private lastWriteAt = -Infinity;
  private unsent: Uint8Array = new Uint8Array(0);
  private drained: (() => void) | null = null;

  constructor(
    private readonly socket: Socket<ClientUnderTest | null>,
    private readonly onEnd: () => void,
  ) {}

  receive(chunk: Uint8Array): void {
    const read = new Uint8Array(chunk);
    const evidence = { label: "what the client wrote, as one read", entries: [{ direction: "received" as const, bytes: read }] };
    let frames: Frame[];
    try {
      frames = this.decoder.push(read);
    } catch (failure) {
      if (!(failure instanceof FrameTooLargeError)) throw failure;
      this.payloads.push({ value: undefined, malformed: `over ${MAX_PAYLOAD_BYTES} bytes without an end`, evidence });
      return this.finish(false);
    }
    for (const frame of frames) {
      if (this.payloads.length >= MAX_PAYLOADS) return this.finish(false);
      this.payloads.push(frame.kind === "value" ? { value: frame.value, evidence } : { value: undefined, malformed: frame.reason, evidence });
      this.answer(frame);
    }
  }

  /** The client closed the connection, or reset it (which the kernel does when it closes with bytes unread). */
  closed(failure?: Error): void {
    const reset = (failure as NodeJS.ErrnoException | undefined)?.code === "ECONNRESET";
    if (!this.ending) this.ending = { at: performance.now(), byClient: true, afterLogout: this.logoutAsked, reset };
    this.drained?.();
    this.onEnd();
  }

  drain(): void {
    if (this.unsent.length === 0) return;
    const taken = this.socket.write(this.unsent);
    this.unsent = taken < 0 ? new Uint8Array(0) : this.unsent.subarray(taken);
    if (this.unsent.length === 0) this.drained?.();
  }

  /** Ends the session from this side: after a logout, or when the grader is stopped. */
  finish(afterLogout: boolean): void {
    if (this.ending) return;
    this.ending = { at: performance.now(), byClient: false, afterLogout, reset: false };
    this.socket.end();
    this.onEnd();
  }

  private answer(frame: Frame): void {
    const value = frame.kind === "value" ? asObject(frame.value) : null;
    const request = typeof value?.request === "string" ? value.request : null;
    if (request === null) return this.say(error('Requests are JSON objects: {"request": <string>, "content": <string or null>}.'));
    if (request === "help") return this.say(info(HELP_TEXT));
    if (request === "login") return this.login(value!.content);
    if (this.username === null) return this.say(error("Log in first: before login only login and help are accepted."));
    if (request === "msg") return this.say(message(this.username, typeof value!.content === "string" ? value!.content : JSON.stringify(value!.content ?? null)));
    if (request === "names") return this.say(info(`1 user in the chat: ${this.username}`));
    if (request !== "logout") return this.say(error(`Unknown request '${request}'. Send help to list the requests.`));
    this.logoutAsked = true;
    this.say(info(`Goodbye, ${this.username}. You are logged out.`));
    this.queue.push({ bytes: new Uint8Array(0), pause: RESPONSE_GAP_MS, spec: null, end: true });
  }

  private login(content: unknown): void {
    if (this.username !== null) return this.say(error(`You are logged in as ${this.username} already.`));
    if (typeof content !== "string" || !USERNAME.test(content)) return this.say(error("Usernames may only contain the letters A-Z, a-z and the digits 0-9."));
    this.username = content;
    this.put(loginAnswer(content), RESPONSE_GAP_MS);
    this.put(tour(), CASE_GAP_MS);
    this.queue.push({ bytes: new Uint8Array(0), pause: AFTER_TOUR_MS, spec: null });
  }

  private say(response: Response): void {
    this.queue.push({ bytes: new TextEncoder().encode(encode(response)), pause: RESPONSE_GAP_MS, spec: null });
    void this.pump();
  }

  private put(cases: readonly HardCase[], gap: number): void {
    for (const { spec, writes } of cases) writes.forEach((bytes, part) => this.queue.push({ bytes, pause: part === 0 ? gap : PART_GAP_MS, spec }));
    void this.pump();
  }

  /** Writes the queue in order, each write its pause after the one before; requests that arrive meanwhile wait their turn. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    while (this.queue.length > 0 && !this.ending) {
      const next = this.queue.shift()!;
      const wait = this.lastWriteAt + next.pause - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      if (this.ending) break;
      if (next.bytes.length > 0) {
        this.writes.push({ at: performance.now(), spec: next.spec, bytes: next.bytes });
        await this.write(next.bytes);
      }
      this.lastWriteAt = performance.now();
      if (next.end) setTimeout(() => this.finish(true), LINGER_MS);
    }
    this.pumping = false;
  }

  /** Resolves once the kernel took every byte: Bun's socket.write keeps nothing it could not send. */
  private write(bytes: Uint8Array): Promise<void> {
    const taken = this.socket.write(bytes);
    if (taken < 0 || taken >= bytes.length) return Promise.resolve();
    this.unsent = bytes.subarray(taken);
    return new Promise((resolve) => (this.drained = resolve));
  }
}

export interface GradingServer {
  readonly port: number;
  /** The report, once the graded client's session is over (or the grader was stopped). */
  readonly outcomes: Promise<Outcome[]>;
  /** Ends the session now (Ctrl-C) and reports what was seen. */
  stop(): void;
}

/** Listens on host:port (0: any free port) and grades the first client that connects. Throws when it cannot listen. */
export function startGradingServer(host: string, port: number): GradingServer {
  let graded: ClientUnderTest | null = null;
  const done = Promise.withResolvers<Outcome[]>();
  let finished = false;
  const report = () => {
    if (finished) return;
    finished = true;
    listener.stop(true);
    const outcomes = new Report(CLIENT_CHECKS);
    judgePayloads(outcomes, graded?.payloads ?? []);
    judgeHardCases(outcomes, graded?.writes ?? [], graded?.ending ?? null);
    done.resolve(outcomes.results());
  };
  const listener = Bun.listen<ClientUnderTest | null>({
    hostname: host,
    port,
    socket: {
      open(socket) {
        if (graded) {
          socket.data = null;
          socket.write(encode(error("The checker grades one client at a time and is busy with another. Try again when it is done.")));
          return void socket.end();
        }
        socket.data = graded = new ClientUnderTest(socket, report);
      },
      data: (socket, chunk) => socket.data?.receive(chunk),
      drain: (socket) => socket.data?.drain(),
      close: (socket, failure) => socket.data?.closed(failure),
      error: (socket, failure) => socket.data?.closed(failure),
    },
  });
  return {
    port: listener.port,
    outcomes: done.promise,
    stop() {
      if (graded) graded.finish(false);
      report();
    },
  };
}
