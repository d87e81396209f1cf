// The chat state: who is logged in, which room each is in, and the one place every broadcast goes through.
import { ChatError } from "./errors.ts";
import { error, info, message, SERVER_SENDER, timestamp, type Response } from "../protocol/responses.ts";
import type { Broker } from "./engine/broker.ts";
import { LocalBroker } from "./engine/local-broker.ts";
import { LOBBY, type Store } from "./engine/store.ts";
import { outgoing, type Outgoing } from "./writer.ts";

/** A logged-in connection as the chat state sees it. */
export interface Member {
  readonly username: string | null;
  /** The IP address it connects from. */
  readonly address: string;
  deliver(out: Outgoing): void;
  /** Sends a last response and closes the connection (kick, ban). */
  disconnect(last: Response): void;
  /** A message it posted was delivered or refused (see engine/broker.ts): one call per post. */
  settled(): void;
}

/** A room with people in it; rooms nobody is in live only in the store. */
interface Room {
  name: string;
  /** The lowercased name, which the store and the broker know it by. */
  key: string;
  members: Set<Member>;
}

export interface RoomSummary {
  name: string;
  members: number;
}

export class Chat {
  /** Keyed by lowercased name, so `Alice` cannot pose as `alice`; insertion order is login order. */
  private readonly members = new Map<string, Member>();
  /** Rooms with someone in them, by lowercased name (and the lobby, always). */
  private readonly occupied = new Map<string, Room>();
  private readonly roomOf = new Map<Member, Room>();

  constructor(
    private readonly store: Store,
    private readonly historyLimit: number,
    private readonly broker: Broker<Member> = new LocalBroker(store),
  ) {
    broker.attach({
      onMessage: (room, out, author) => this.deliverMessage(room, out, author),
      onFailed: (author, reason) => this.refuseMessage(author, reason),
    });
  }

  /** Logs a member in under `username`, into the lobby; throws ChatError when the name is reserved or taken. */
  join(member: Member, username: string): void {
    const key = username.toLowerCase();
    if (key === SERVER_SENDER) throw new ChatError(`The name '${username}' is reserved. Choose another username.`);
    if (this.members.has(key)) throw new ChatError(`Username '${username}' is taken. Choose another username.`);
    this.members.set(key, member);
    this.enter(member, this.room(LOBBY));
    this.broadcast(info(`${username} joined the chat.`), this.roomOf.get(member)!, member);
  }

  /** Set at shutdown: everyone is told the server is going, so nobody needs n-1 leave notices. */
  private closing = false;

  /** Logs a member out; its room hears `notice` (a kick or ban says why instead of "left"). */
  leave(username: string, notice = `${username} left the chat.`): void {
    const member = this.members.get(username.toLowerCase());
    if (!member) return;
    this.members.delete(username.toLowerCase());
    const room = this.exit(member);
    if (!this.closing) this.broadcast(info(notice), room);
  }

  /** The server is shutting down: leaves from now on go unannounced. */
  close(): void {
    this.closing = true;
  }

  /** The logged-in member with this name, any case, or null. */
  member(username: string): Member | null {
    return this.members.get(username.toLowerCase()) ?? null;
  }

  /** Moves a logged-in member to `name`, creating the room if missing; returns its display name. */
  moveTo(member: Member, name: string): string {
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

  /** A stored message reaches everyone in its room here, on this process. */
  private deliverMessage(roomKey: string, out: Outgoing, author: Member | null): void {
    const room = this.occupied.get(roomKey);
    if (room) this.deliver(out, room);
    author?.settled();
  }

  private refuseMessage(author: Member, reason: string): void {
    author.deliver(outgoing(error(`Your message was not sent: the server could not keep it in history (${reason}). Please try again.`)));
    author.settled();
  }

  /** Removes a message from history and tells its room; returns the room's key; throws ChatError when there is none. */
  deleteMessage(id: number, notice: string): string {
    const roomKey = this.store.deleteMessage(id);
    if (roomKey === null) throw new ChatError(`There is no message ${id}.`);
    this.announce(roomKey, notice);
    return roomKey;
  }

  /** An info to everyone in a room (nobody hears it if the room is empty). */
  announce(roomName: string, notice: string): void {
    const room = this.occupied.get(roomName.toLowerCase());
    if (room) this.broadcast(info(notice), room);
  }

  /** Sends a private message to one user and echoes it to its author; never stored, never broadcast. */
  whisper(author: Member, recipientName: string, content: string): void {
    const recipient = this.members.get(recipientName.toLowerCase());
    if (!recipient) throw new ChatError(`No user named '${recipientName}' is logged in.`);
    const out = outgoing({ ...message(author.username!, content), to: recipient.username! });
    recipient.deliver(out);
    if (recipient !== author) author.deliver(out);
  }

  /** Names in the member's room, in the order they entered it. */
  names(member: Member): string[] {
    return [...this.roomOf.get(member)!.members].map((m) => m.username!);
  }

  history(member: Member): string[] {
    return this.store.recentMessages(this.roomName(member), this.historyLimit);
  }

  rooms(): RoomSummary[] {
    return this.store.roomNames().map((name) => ({ name, members: this.occupied.get(name.toLowerCase())?.members.size ?? 0 }));
  }

  /** Everyone logged in, whatever room they are in. */
  usernames(): string[] {
    return [...this.members.values()].map((member) => member.username!);
  }

  /** Serializes once for all recipients; the one place to scope delivery to a room (and later a cluster). */
  broadcast(response: Response, room: Room, except?: Member): void {
    this.deliver(outgoing(response), room, except);
  }

  private deliver(out: Outgoing, room: Room, except?: Member): void {
    for (const member of room.members) if (member !== except) member.deliver(out);
  }

  private room(name: string): Room {
    const key = name.toLowerCase();
    let room = this.occupied.get(key);
    if (!room) {
      this.store.saveRoom(name);
      const stored = this.store.roomNames().find((known) => known.toLowerCase() === key) ?? name;
      room = { name: stored, key, members: new Set() };
      this.occupied.set(key, room);
    }
    return room;
  }

  private enter(member: Member, room: Room): void {
    room.members.add(member);
    this.roomOf.set(member, room);
  }

  private exit(member: Member): Room {
    const room = this.roomOf.get(member)!;
    room.members.delete(member);
    this.roomOf.delete(member);
    if (room.members.size === 0 && room.name !== LOBBY) this.occupied.delete(room.name.toLowerCase());
    return room;
  }
}
