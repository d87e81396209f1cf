// A session: one client connection, from its bytes in to its responses out.
import type { Command, RequestContext } from "./command.ts";
import type { Chat, Member, RoomSummary } from "./chat.ts";
import { dispatch } from "./dispatcher.ts";
import { ChatError } from "./errors.ts";
import { FrameTooLargeError, JsonStreamDecoder, type Frame } from "./framing.ts";
import type { Limits } from "./limits.ts";
import { log } from "./log.ts";
import { TokenBucket } from "./rate.ts";
import type { CommandTable } from "./registry.ts";
import { error, history, info, type Response } from "./responses.ts";
import { outgoing, ResponseWriter, type Outgoing, type Sink } from "./writer.ts";

/** What a session needs from the server it belongs to. */
export interface ServerScope {
  chat: Chat;
  commands: CommandTable;
  limits: Limits;
}

/** The socket as a session uses it: write, close, and stop or restart reading. */
export interface SessionSocket extends Sink {
  terminate(): void;
  pause(): void;
  resume(): void;
}

/** Flood control announces itself at most this often, so the notice cannot itself become a flood. */
const FLOOD_NOTICE_INTERVAL_MS = 10_000;

export class Session implements RequestContext, Member {
  username: string | null = null;
  private readonly decoder: JsonStreamDecoder;
  private readonly writer: ResponseWriter;
  /** Frames decoded but not yet handled: flood control holds them here while reading is paused. */
  private inbox: Frame[] = [];
  private readonly requestBudget: TokenBucket;
  private readonly refusalBudget: TokenBucket;
  private throttled = false;
  private lastFloodNotice = -Infinity;
  private loginDeadline: ReturnType<typeof setTimeout> | null;
  private ended = false;

  constructor(
    private readonly scope: ServerScope,
    private readonly socket: SessionSocket,
    readonly peer: string,
  ) {
    const { limits } = scope;
    this.decoder = new JsonStreamDecoder(limits.maxFrameBytes);
    this.writer = new ResponseWriter(socket, limits, () => this.dropSlowConsumer());
    this.requestBudget = new TokenBucket(limits.floodBurst, limits.floodRate);
    this.refusalBudget = new TokenBucket(limits.maxBadRequests, limits.maxBadRequests / 60);
    this.loginDeadline = setTimeout(() => this.loginTimedOut(), limits.loginTimeoutSeconds * 1000);
  }

  get limits(): Limits {
    return this.scope.limits;
  }

  get commands(): readonly Command[] {
    return [...this.scope.commands.values()];
  }

  receive(chunk: Uint8Array): void {
    if (this.ended) return;
    try {
      this.inbox.push(...this.decoder.push(chunk));
    } catch (failure) {
      if (!(failure instanceof FrameTooLargeError)) throw failure;
      log.warn(`${this.peer} sent a frame over ${failure.limit} bytes; disconnecting`);
      return this.endWith(error(`Request too large: the limit is ${failure.limit} bytes. Disconnecting.`));
    }
    this.writer.lineFramed = this.decoder.newlineFramed;
    this.handleInbox();
  }

  /** Handles held frames while the flood budget lasts; past it, stops reading until a request is allowed. */
  private handleInbox(): void {
    let handled = 0;
    while (handled < this.inbox.length && !this.ended) {
      if (!this.requestBudget.take()) {
        this.inbox = this.inbox.slice(handled);
        return this.throttle();
      }
      this.handle(this.inbox[handled++]!);
    }
    this.inbox = [];
  }

  private handle(frame: Frame): void {
    const accepted = frame.kind === "value"
      ? dispatch(this.scope.commands, this, frame.value)
      : (this.reply(error(`Could not read that request: ${frame.reason}. Requests are JSON objects: {"request": <string>, "content": <string or null>}.`)), false);
    if (!accepted && !this.ended && !this.refusalBudget.take()) {
      log.warn(`${this.peer} sent too many bad requests; disconnecting`);
      this.endWith(error(`Too many refused requests (more than ${this.limits.maxBadRequests} a minute). Disconnecting.`));
    }
  }

  private throttle(): void {
    if (this.throttled) return;
    this.throttled = true;
    this.socket.pause();
    const now = performance.now();
    if (now - this.lastFloodNotice > FLOOD_NOTICE_INTERVAL_MS) {
      this.lastFloodNotice = now;
      log.info(`${this.peer} (${this.username ?? "not logged in"}) is flooding; slowing it down`);
      this.reply(error(`Flood control: you are sending faster than ${this.limits.floodRate} requests a second. Your requests are delayed, not lost.`));
    }
    setTimeout(() => {
      this.throttled = false;
      if (this.ended) return;
      this.socket.resume();
      this.handleInbox();
    }, this.requestBudget.msUntilNext());
  }

  // --- RequestContext: what commands may do ---

  reply(response: Response): void {
    this.writer.send(outgoing(response));
  }

  login(username: string): void {
    if (this.username !== null) throw new ChatError(`You are already logged in as ${this.username}. Log out first to change name.`);
    this.scope.chat.join(this, username);
    this.username = username;
    this.clearLoginDeadline();
    log.info(`${this.peer} logged in as ${username}`);
    this.reply(info(`Login successful. Welcome, ${username}!`));
    this.reply(history(this.history()));
  }

  get room(): string {
    return this.scope.chat.roomName(this);
  }

  joinRoom(name: string): void {
    const room = this.scope.chat.moveTo(this, name);
    log.info(`${this.peer} (${this.username}) joined room ${room}`);
    this.reply({ ...info(`You are in ${room} now.`), room });
    this.reply(history(this.history()));
  }

  rooms(): RoomSummary[] {
    return this.scope.chat.rooms();
  }

  whisper(recipient: string, content: string): void {
    this.scope.chat.whisper(this, recipient, content);
  }

  logout(): void {
    log.info(`${this.peer} (${this.username}) logged out`);
    this.endWith(info(`Goodbye, ${this.username}. You are logged out.`));
  }

  post(content: string): void {
    log.debug(`${this.peer} (${this.username}) msg ${JSON.stringify(content)}`);
    this.scope.chat.post(this, content);
  }

  names(): string[] {
    return this.scope.chat.names(this);
  }

  history(): string[] {
    return this.scope.chat.history(this);
  }

  // --- Member: how broadcasts reach this client ---

  deliver(out: Outgoing): void {
    this.writer.send(out);
  }

  // --- socket and server events ---

  drain(): void {
    this.writer.drain();
  }

  /** The socket closed, whoever closed it: leave the chat at once. */
  closed(): void {
    this.ended = true;
    this.clearLoginDeadline();
    this.writer.discard();
    this.leaveChat();
    log.info(`${this.peer} disconnected`);
  }

  /** Server shutdown: tell the client, then close once its queue is written. */
  shutdown(notice: string): void {
    if (!this.ended) this.endWith(info(notice));
  }

  /** Stops handling requests, leaves the chat, sends a last response, and closes once the queue is written. */
  private endWith(last: Response): void {
    this.ended = true;
    this.inbox = [];
    this.clearLoginDeadline();
    this.reply(last);
    this.leaveChat();
    this.writer.endWhenFlushed();
  }

  private loginTimedOut(): void {
    this.loginDeadline = null;
    if (this.username !== null || this.ended) return;
    log.info(`${this.peer} did not log in within ${this.limits.loginTimeoutSeconds} s; disconnecting`);
    this.endWith(error(`No login within ${this.limits.loginTimeoutSeconds} seconds. Disconnecting.`));
  }

  private clearLoginDeadline(): void {
    if (this.loginDeadline) clearTimeout(this.loginDeadline);
    this.loginDeadline = null;
  }

  private leaveChat(): void {
    if (this.username === null) return;
    const username = this.username;
    this.username = null;
    this.scope.chat.leave(username);
  }

  private dropSlowConsumer(): void {
    log.warn(`${this.peer} (${this.username ?? "not logged in"}) dropped: more than ${this.limits.maxQueueBytes} bytes unread`);
    this.ended = true;
    this.inbox = [];
    this.clearLoginDeadline();
    this.writer.discard();
    this.leaveChat();
    this.socket.terminate();
  }
}
