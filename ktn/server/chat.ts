// The chat state: who is logged in, which room each is in, and the one place every broadcast goes through.
import { ChatError } from "./errors.ts";
import { error, info, message, SERVER_SENDER, timestamp, type Response } from "../protocol/responses.ts";
import type { Broker } from "./engine/broker.ts";
import { LocalBroker } from "./engine/local-broker.ts";
import { LOBBY, type StateStore, type Store } from "./engine/store.ts";
import { after, type Awaitable } from "./awaitable.ts";
import { outgoing, type Outgoing, type OutgoingRun } from "./writer.ts";

/** A logged-in connection as the chat state sees it. */
export interface Member {
  readonly username: string | null;
  /** The IP address it connects from. */
  readonly address: string;
  deliver(out: Outgoing | OutgoingRun): void;
  /** Sends a last response and closes the connection (kick, ban). */
  disconnect(last: Response): void;
  /** A message it posted was delivered or refused (see engine/broker.ts): one call per post. */
  settled(): void;
}

/** A room with people in it; rooms nobody is in live only in the store. */
export interface Room {
  name: string;
  /** The lowercased name, which the store and the broker know it by. */
  key: string;
  members: Set<Member>;
}

export interface RoomSummary {
  name: string;
  members: number;
}

/** A logged-in user as moderation sees it: here, or (in a cluster) on another node. */
export interface Whereabouts {
  name: string;
  address: string;
  /** The name of the room it is in. */
  room: string;
}

export class Chat {
  /** Keyed by lowercased name, so `Alice` cannot pose as `alice`; insertion order is login order. */
  protected readonly members = new Map<string, Member>();
  /** Rooms with someone in them, by lowercased name (and the lobby, always). */
  protected readonly occupied = new Map<string, Room>();
  protected readonly roomOf = new Map<Member, Room>();

  constructor(
    readonly store: StateStore,
    private readonly historyLimit: number,
    private readonly broker: Broker<Member> = new LocalBroker(store as Store),
  ) {
    broker.attach({
      onMessages: (room, run, authors) => this.deliverMessages(room, run, authors),
      onFailed: (author, reason) => this.refuseMessage(author, reason),
    });
  }

  /** Logs a member in under `username`, into the lobby; throws ChatError when the name is reserved or taken. */
  join(member: Member, username: string): Awaitable<void> {
    const key = this.available(username);
    this.members.set(key, member);
    this.enter(member, this.room(LOBBY));
    this.broadcast(info(`${username} joined the chat.`), this.roomOf.get(member)!, member);
  }

  /** The key of a name nobody has on this process; throws ChatError when it is reserved or taken. */
  protected available(username: string): string {
    const key = username.toLowerCase();
    if (key === SERVER_SENDER) throw new ChatError(`The name '${username}' is reserved. Choose another username.`);
    if (this.members.has(key)) throw new ChatError(taken(username));
    return key;
  }

  /** Set at shutdown: everyone is told the server is going, so nobody needs n-1 leave notices. */
  protected closing = false;

  /** Logs a member out; its room hears `notice` (a kick or ban says why instead of "left"). */
  leave(username: string, notice = `${username} left the chat.`): void {
    const room = this.forget(username);
    if (room && !this.closing) this.broadcast(info(notice), room);
  }

  /** Takes a member out of this process's chat state; returns the room it was in, or null when it was not logged in. */
  protected forget(username: string): Room | null {
    const member = this.members.get(username.toLowerCase());
    if (!member) return null;
    this.members.delete(username.toLowerCase());
    return this.exit(member);
  }

  /** The server is shutting down: leaves from now on go unannounced. */
  close(): void {
    this.closing = true;
  }

  /** The logged-in member with this name, any case, or null. */
  member(username: string): Member | null {
    return this.members.get(username.toLowerCase()) ?? null;
  }

  /** Where a logged-in user is, or null. */
  locate(username: string): Awaitable<Whereabouts | null> {
    const member = this.member(username);
    return member ? { name: member.username!, address: member.address, room: this.roomName(member) } : null;
  }

  /** Takes a user out of the chat for a moderator: its room hears `notice`, the user gets `farewell` and is closed. */
  remove(username: string, notice: string, farewell: Response): Awaitable<void> {
    const member = this.member(username);
    this.leave(username, notice);
    member?.disconnect(farewell);
  }

  /** Moderators were added or removed: a cluster tells its other nodes. */
  moderatorsChanged(): Awaitable<void> {}

  /** Moves a logged-in member to `name`, creating the room if missing; returns its display name. */
  moveTo(member: Member, name: string): Awaitable<string> {
    const from = this.roomOf.get(member)!;
    const to = this.room(name);
    if (from === to) throw new ChatError(`You are in ${to.name} already.`);
    this.exit(member);
    this.broadcast(info(`${member.username} left for ${to.name}.`), from);
    this.enter(member, to);
    this.broadcast(info(`${member.username} joined ${to.name}.`), to, member);
    return to.name;
  }

  roomName(member: Member): string {
    return this.roomOf.get(member)?.name ?? LOBBY;
  }

  /**
   * Keeps a message in its room's history, then sends it to everyone in the room, its author included:
   * the broker stores this turn's messages together and hands each back to `deliverMessage`.
   * The added `id` key names it for moderators' `delete`; peers ignore keys they do not know.
   */
  post(member: Member, content: string): void {
    const room = this.roomOf.get(member)!;
    this.broker.publish({ room: room.key, sender: member.username!, content, timestamp: timestamp(), author: member });
  }

  /** Stored messages reach everyone in their room here, on this process; then their authors may go on. */
  protected deliverMessages(roomKey: string, run: OutgoingRun, authors: readonly (Member | null)[]): void {
    const room = this.occupied.get(roomKey);
    if (room) this.deliver(run, room);
    for (const author of authors) author?.settled();
  }

  private refuseMessage(author: Member, reason: string): void {
    author.deliver(outgoing(error(`Your message was not sent: the server could not keep it in history (${reason}). Please try again.`)));
    author.settled();
  }

  /** Removes a message from history and tells its room; returns the room's key; throws ChatError when there is none. */
  deleteMessage(id: number, notice: string): Awaitable<string> {
    return after(this.store.deleteMessage(id), (roomKey) => {
      if (roomKey === null) throw new ChatError(`There is no message ${id}.`);
      return after(this.announce(roomKey, notice), () => roomKey);
    });
  }

  /** An info to everyone in a room (nobody hears it if the room is empty). */
  announce(roomName: string, notice: string): Awaitable<void> {
    const room = this.occupied.get(roomName.toLowerCase());
    if (room) this.broadcast(info(notice), room);
  }

  /** Sends a private message to one user and echoes it to its author; never stored, never broadcast. */
  whisper(author: Member, recipientName: string, content: string): Awaitable<void> {
    const recipient = this.members.get(recipientName.toLowerCase());
    if (!recipient) throw new ChatError(notLoggedIn(recipientName));
    const out = outgoing({ ...message(author.username!, content), to: recipient.username! });
    recipient.deliver(out);
    if (recipient !== author) author.deliver(out);
  }

  /** Names in the member's room, in the order they entered it. */
  names(member: Member): Awaitable<string[]> {
    return [...this.roomOf.get(member)!.members].map((m) => m.username!);
  }

  /** A room's newest messages, oldest first, as a history replays them. */
  history(room: string): Awaitable<string[]> {
    return this.store.recentMessages(room, this.historyLimit);
  }

  rooms(): Awaitable<RoomSummary[]> {
    return (this.store.roomNames() as string[]).map((name) => ({ name, members: this.occupied.get(name.toLowerCase())?.members.size ?? 0 }));
  }

  /** Everyone logged in, whatever room they are in. */
  usernames(): string[] {
    return [...this.members.values()].map((member) => member.username!);
  }

  /** Serializes once for all recipients; the one place to scope delivery to a room (and later a cluster). */
  broadcast(response: Response, room: Room, except?: Member): void {
    this.deliver(outgoing(response), room, except);
  }

  protected deliver(out: Outgoing | OutgoingRun, room: Room, except?: Member): void {
    for (const member of room.members) if (member !== except) member.deliver(out);
  }

  /** The room, created and saved when missing; only for a store that answers at once (a cluster has its own). */
  private room(name: string): Room {
    const store = this.store as Store;
    const key = name.toLowerCase();
    if (!this.occupied.has(key)) {
      store.saveRoom(name);
      this.occupy(store.roomNames().find((known) => known.toLowerCase() === key) ?? name);
    }
    return this.occupied.get(key)!;
  }

  /** The local state of a room by its display name, made when this is its first member here. */
  protected occupy(name: string): Room {
    const key = name.toLowerCase();
    let room = this.occupied.get(key);
    if (!room) {
      room = { name, key, members: new Set() };
      this.occupied.set(key, room);
    }
    return room;
  }

  protected enter(member: Member, room: Room): void {
    room.members.add(member);
    this.roomOf.set(member, room);
  }

  protected exit(member: Member): Room {
    const room = this.roomOf.get(member)!;
    room.members.delete(member);
    this.roomOf.delete(member);
    if (room.members.size === 0 && room.name !== LOBBY) this.occupied.delete(room.name.toLowerCase());
    return room;
  }
}

export function taken(username: string): string {
  return `Username '${username}' is taken. Choose another username.`;
}

export function notLoggedIn(username: string): string {
  return `No user named '${username}' is logged in.`;
}
