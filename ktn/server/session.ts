// A session: one client connection, and everything a command may do on its behalf.
import type { Accounts } from "./accounts.ts";
import { after, type Awaitable } from "./awaitable.ts";
import { LOBBY } from "./engine/store.ts";
import { nameRule, type Command, type ModeratorActions, type RequestContext } from "./command.ts";
import type { Chat, Member, RoomSummary } from "./chat.ts";
import { dispatch } from "./dispatcher.ts";
import { ChatError } from "./errors.ts";
import type { Frame } from "../protocol/framing.ts";
import { RequestIntake, type Readable } from "./intake.ts";
import type { Limits } from "./limits.ts";
import { debugging, log } from "./log.ts";
import type { Moderation } from "./moderation.ts";
import type { CommandTable } from "./registry.ts";
import { error, history, info, type Response } from "../protocol/responses.ts";
import { outgoing, ResponseWriter, type Outgoing, type OutgoingRun, type Sink } from "./writer.ts";

/** What a session needs from the server it belongs to. */
export interface ServerScope {
  chat: Chat;
  commands: CommandTable;
  limits: Limits;
  accounts: Accounts;
  moderation: Moderation;
}

/** The socket as a session uses it: write, close, and stop or restart reading. */
export interface SessionSocket extends Sink, Readable {
  terminate(): void;
}

const MALFORMED = 'Requests are JSON objects: {"request": <string>, "content": <string or null>}.';

export class Session implements RequestContext, Member {
  username: string | null = null;
  /** Logged in with the password of a registered name. */
  private authenticated = false;
  private readonly writer: ResponseWriter;
  private readonly intake: RequestIntake;
  private loginDeadline: ReturnType<typeof setTimeout> | null;
  private ended = false;
  /** Messages this connection posted that are not yet delivered or refused (see engine/broker.ts). */
  private unsettled = 0;
  /** Answers given while a post is unsettled: they go out after its echo, in the order of the requests. */
  private held: Response[] = [];
  /** The request waiting for this connection's posts to settle. */
  private whenSettled: (() => void) | null = null;

  constructor(
    private readonly scope: ServerScope,
    private readonly socket: SessionSocket,
    readonly address: string,
    readonly peer: string,
  ) {
    const { limits } = scope;
    this.writer = new ResponseWriter(socket, limits, () => this.dropSlowConsumer());
    this.intake = new RequestIntake(limits, socket, {
      handle: (frame) => this.handle(frame),
      abort: (reason) => {
        log.warn(`${this.peer} disconnected: ${reason}`);
        this.endWith(error(reason));
      },
      throttled: (notify) => this.throttled(notify),
    });
    this.loginDeadline = setTimeout(() => this.loginTimedOut(), limits.loginTimeoutSeconds * 1000);
  }

  get limits(): Limits {
    return this.scope.limits;
  }

  get commands(): readonly Command[] {
    return [...this.scope.commands.values()];
  }

  receive(chunk: Uint8Array): void {
    this.intake.receive(chunk);
  }

  /** A WebSocket message: one whole request. */
  receiveMessage(data: string | Uint8Array): void {
    this.intake.receiveMessage(data);
  }

  private handle(frame: Frame): boolean | Promise<boolean> {
    // Further messages join the turn's batch; anything else waits for the echo, so a join or a logout
    // cannot overtake a message posted before it.
    if (this.unsettled > 0 && !isMessageRequest(frame)) return new Promise((resolve) => (this.whenSettled = () => resolve(this.answer(frame))));
    return this.answer(frame);
  }

  private answer(frame: Frame): boolean | Promise<boolean> {
    if (this.ended) return true;
    this.writer.lineFramed = this.intake.newlineFramed;
    if (frame.kind === "value") return dispatch(this.scope.commands, this, frame.value);
    this.reply(error(`Could not read that request: ${frame.reason}. ${MALFORMED}`));
    return false;
  }

  private throttled(notify: boolean): void {
    if (!notify) return;
    log.info(`${this.peer} (${this.username ?? "not logged in"}) is flooding; slowing it down`);
    this.reply(error(`Flood control: you are sending faster than ${this.limits.floodRate} requests a second. Your requests are delayed, not lost.`));
  }

  // --- RequestContext: what commands may do ---

  reply(response: Response): void {
    if (this.unsettled > 0) this.held.push(response);
    else this.writer.send(outgoing(response));
  }

  login(username: string, password: string | null): Awaitable<void> {
    if (this.username !== null) throw new ChatError(`You are already logged in as ${this.username}. Log out first to change name.`);
    const { accounts } = this.scope;
    return after(accounts.isRegistered(username), (registered) => {
      if (!registered) {
        // A course client's "login john smith" is a name with a space, not a password: say so as before.
        if (password !== null) throw new ChatError(`${nameRule("username")} Usage: ${this.scope.commands.get("login")!.usage}`);
        return this.enter(username, false);
      }
      if (password === null) throw new ChatError(`${username} is registered: log in with login ${username} <password>.`);
      return accounts.verify(username, password, this.address).then(() => this.enter(username, true));
    });
  }

  /** History is read before joining: with a store across the network, a message is then never both in it and live. */
  private enter(username: string, authenticated: boolean): Awaitable<void> {
    if (this.ended) return;
    const { moderation, chat } = this.scope;
    return after(moderation.checkBans(username, this.address, moderation.isModerator(username, authenticated)), () =>
      after(chat.history(LOBBY), (past) =>
        after(chat.join(this, username), () => {
          this.username = username;
          // The connection closed while the cluster was asked: give the name back.
          if (this.ended) return this.leaveChat();
          this.authenticated = authenticated;
          this.clearLoginDeadline();
          log.info(`${this.peer} logged in as ${username}${authenticated ? " (password)" : ""}`);
          this.reply(info(`Login successful. Welcome, ${username}!`));
          this.reply(history(past));
        })));
  }

  async register(password: string): Promise<void> {
    const username = this.username!;
    await this.scope.accounts.register(username, password);
    this.authenticated = true;
    this.reply(info(`${username} is registered. From now on log in with: login ${username} <password>`));
  }

  get moderator(): boolean {
    return this.username !== null && this.scope.moderation.isModerator(this.username, this.authenticated);
  }

  get moderate(): ModeratorActions {
    const { moderation } = this.scope;
    return {
      kick: (user, reason) => moderation.kick(this, user, reason),
      ban: (user, minutes, reason) => moderation.ban(this, user, minutes, reason),
      unban: (user) => moderation.unban(this, user),
      deleteMessage: (id) => moderation.deleteMessage(this, id),
      op: (user) => moderation.op(this, user),
      deop: (user) => moderation.deop(this, user),
    };
  }

  get room(): string {
    return this.scope.chat.roomName(this);
  }

  joinRoom(name: string): Awaitable<void> {
    const { chat } = this.scope;
    return after(chat.history(name), (past) =>
      after(chat.moveTo(this, name), (room) => {
        log.info(`${this.peer} (${this.username}) joined room ${room}`);
        this.reply({ ...info(`You are in ${room} now.`), room });
        this.reply(history(past));
      }));
  }

  rooms(): Awaitable<RoomSummary[]> {
    return this.scope.chat.rooms();
  }

  whisper(recipient: string, content: string): Awaitable<void> {
    return this.scope.chat.whisper(this, recipient, content);
  }

  logout(): void {
    log.info(`${this.peer} (${this.username}) logged out`);
    this.endWith(info(`Goodbye, ${this.username}. You are logged out.`));
  }

  post(content: string): void {
    if (debugging()) log.debug(`${this.peer} (${this.username}) msg ${JSON.stringify(content)}`);
    this.scope.chat.post(this, content);
    this.unsettled++;
  }

  names(): Awaitable<string[]> {
    return this.scope.chat.names(this);
  }

  history(): Awaitable<string[]> {
    return this.scope.chat.history(this.room);
  }

  // --- Member: how the chat reaches this client ---

  deliver(out: Outgoing | OutgoingRun): void {
    this.writer.send(out);
  }

  disconnect(last: Response): void {
    if (!this.ended) this.endWith(last);
  }

  settled(): void {
    if (--this.unsettled > 0) return;
    this.sendHeld();
    const next = this.whenSettled;
    this.whenSettled = null;
    next?.();
  }

  private sendHeld(): void {
    const held = this.held;
    this.held = [];
    for (const response of held) this.writer.send(outgoing(response));
  }

  // --- socket and server events ---

  drain(): void {
    this.writer.drain();
  }

  /** The socket closed, whoever closed it: leave the chat once this connection's messages are out. */
  closed(): void {
    this.abandon();
    log.info(`${this.peer} disconnected`);
  }

  /** Server shutdown: tell the client, then close once its queue is written. */
  shutdown(notice: string): void {
    this.disconnect(info(notice));
  }

  /** Stops handling requests, leaves the chat, sends a last response, and closes once the queue is written. */
  private endWith(last: Response): void {
    this.stopRequests();
    this.afterPosts(() => {
      this.writer.send(outgoing(last));
      this.leaveChat();
      this.writer.endWhenFlushed();
    });
  }

  /** No more requests from this connection: the first step of every way it ends. */
  private stopRequests(): void {
    this.ended = true;
    this.intake.stop();
    this.clearLoginDeadline();
  }

  /** Gone, or going with no last words: what is queued for it is dropped; it leaves once its messages are out. */
  private abandon(): void {
    this.stopRequests();
    this.writer.discard();
    this.afterPosts(() => this.leaveChat());
  }

  /**
   * Runs `then` once every message this connection posted has been delivered or refused (at most a
   * turn on one process), so its echoes come before its last words and its room hears them before the leave.
   */
  private afterPosts(then: () => void): void {
    if (this.unsettled === 0) return then();
    const before = this.whenSettled;
    this.whenSettled = () => {
      before?.();
      then();
    };
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
    this.abandon();
    this.socket.terminate();
  }
}

/** A msg request, which may run ahead of its connection's earlier messages being stored. */
/** A msg request in any case, as the dispatcher takes it: it joins the turn's batch instead of waiting for the echo before it. */
function isMessageRequest(frame: Frame): boolean {
  if (frame.kind !== "value") return false;
  const request = (frame.value as { request?: unknown } | null)?.request;
  return typeof request === "string" && request.toLowerCase() === "msg";
}
