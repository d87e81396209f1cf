// A session: one client connection, from its bytes in to its responses out.
import type { Command, RequestContext } from "./command.ts";
import type { Chat, Member } from "./chat.ts";
import { dispatch } from "./dispatcher.ts";
import { ChatError } from "./errors.ts";
import { FrameTooLargeError, JsonStreamDecoder, type Frame } from "./framing.ts";
import type { Limits } from "./limits.ts";
import { log } from "./log.ts";
import type { CommandTable } from "./registry.ts";
import { error, history, info, type Response } from "./responses.ts";
import { outgoing, ResponseWriter, type Outgoing, type Sink } from "./writer.ts";

/** What a session needs from the server it belongs to. */
export interface ServerScope {
  chat: Chat;
  commands: CommandTable;
  limits: Limits;
}

export class Session implements RequestContext, Member {
  username: string | null = null;
  private readonly decoder: JsonStreamDecoder;
  private readonly writer: ResponseWriter;
  private ended = false;

  constructor(
    private readonly scope: ServerScope,
    private readonly sink: Sink & { terminate(): void },
    readonly peer: string,
  ) {
    this.decoder = new JsonStreamDecoder(scope.limits.maxFrameBytes);
    this.writer = new ResponseWriter(sink, scope.limits, () => this.dropSlowConsumer());
  }

  get limits(): Limits {
    return this.scope.limits;
  }

  get commands(): readonly Command[] {
    return [...this.scope.commands.values()];
  }

  receive(chunk: Uint8Array): void {
    if (this.ended) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (failure) {
      if (!(failure instanceof FrameTooLargeError)) throw failure;
      this.reply(error(`Request too large: the limit is ${failure.limit} bytes. Disconnecting.`));
      return this.end();
    }
    this.writer.lineFramed = this.decoder.newlineFramed;
    for (const frame of frames) {
      if (this.ended) return;
      if (frame.kind === "malformed") this.reply(error(`Could not read that request: ${frame.reason}. Requests are JSON objects: {"request": <string>, "content": <string or null>}.`));
      else dispatch(this.scope.commands, this, frame.value);
    }
  }

  // --- RequestContext: what commands may do ---

  reply(response: Response): void {
    this.writer.send(outgoing(response));
  }

  login(username: string): void {
    if (this.username !== null) throw new ChatError(`You are already logged in as ${this.username}. Log out first to change name.`);
    this.scope.chat.join(this, username);
    this.username = username;
    log.info(`${this.peer} logged in as ${username}`);
    this.reply(info(`Login successful. Welcome, ${username}!`));
    this.reply(history(this.history()));
  }

  logout(): void {
    this.reply(info(`Goodbye, ${this.username}. You are logged out.`));
    this.end();
  }

  post(content: string): void {
    this.scope.chat.post(this.username!, content);
  }

  names(): string[] {
    return this.scope.chat.names();
  }

  history(): string[] {
    return this.scope.chat.history();
  }

  // --- Member: how broadcasts reach this client ---

  deliver(out: Outgoing): void {
    this.writer.send(out);
  }

  // --- socket events ---

  drain(): void {
    this.writer.drain();
  }

  /** The socket closed, whoever closed it: leave the chat at once. */
  closed(): void {
    this.ended = true;
    this.writer.discard();
    this.leaveChat();
    log.info(`${this.peer} disconnected`);
  }

  /** Stops reading, leaves the chat, and closes once every queued response is written. */
  private end(): void {
    this.ended = true;
    this.leaveChat();
    this.writer.endWhenFlushed();
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
    this.writer.discard();
    this.leaveChat();
    this.sink.terminate();
  }
}
