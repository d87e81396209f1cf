// The store: everything the server keeps (history, rooms, accounts, moderators, bans) behind one
// interface, so another backend (Redis, Postgres) drops in without touching commands.
import type { Awaitable } from "../awaitable.ts";

/** Rooms are stored under their lowercased name; `lobby` always exists. */
export const LOBBY = "lobby";

/** A ban of a username or of an IP address; `name` is the user it was issued against. */
export interface Ban {
  kind: "name" | "address";
  target: string;
  name: string;
  /** Epoch milliseconds when it ends; null for never. */
  until: number | null;
  reason: string;
  by: string;
}

/** One message of a room's history: its response, JSON-encoded as a history replays it. */
export interface RoomMessage {
  /** The room's key (its lowercased name). */
  room: string;
  id: number;
  encoded: string;
  /** `encoded` and a newline, as the broker's turn buffer holds it to send: the history file's log writes these bytes as they are. */
  line?: Uint8Array;
}

/**
 * What the chat, accounts and moderation read and write. A store across the network (Redis) answers
 * later; memory and SQLite answer at once (Store below), so the single process never waits.
 */
export interface StateStore {
  recentMessages(room: string, limit: number): Awaitable<string[]>;
  deleteMessage(id: number): Awaitable<string | null>;
  saveRoom(name: string): Awaitable<void>;
  roomNames(): Awaitable<string[]>;
  passwordHash(name: string): Awaitable<string | null>;
  /** Registers a name; a store shared by several processes refuses a name registered meanwhile (ChatError). */
  saveAccount(name: string, passwordHash: string): Awaitable<void>;
  moderators(): Awaitable<string[]>;
  setModerator(name: string, moderator: boolean): Awaitable<void>;
  saveBan(ban: Ban): Awaitable<void>;
  bans(): Awaitable<Ban[]>;
  removeBans(name: string): Awaitable<number>;
  close(): void;
}

export interface Store extends StateStore {
  /** The highest message id ever stored (0 when none), so ids stay unique across restarts. */
  lastMessageId(): number;
  /** Keeps a turn's messages, in order, all or none (it throws then). Durable on return. */
  appendMessages(batch: readonly RoomMessage[]): void;
  /** The newest `limit` messages of `room`, oldest first. */
  recentMessages(room: string, limit: number): string[];
  /** Removes a message; returns the key of its room, or null when there is no such message. */
  deleteMessage(id: number): string | null;

  /** Remembers a room by its display name; a no-op when it exists. */
  saveRoom(name: string): void;
  /** Display names of every room ever created, lobby included. */
  roomNames(): string[];

  /** The password hash of a registered name, or null. */
  passwordHash(name: string): string | null;
  saveAccount(name: string, passwordHash: string): void;

  /** Lowercased names made moderators by another moderator. */
  moderators(): string[];
  setModerator(name: string, moderator: boolean): void;

  saveBan(ban: Ban): void;
  bans(): Ban[];
  /** Lifts every ban issued against `name` (its name ban and its address bans); returns how many. */
  removeBans(name: string): number;

  close(): void;
}

interface StoredMessage {
  id: number;
  encoded: string;
}

/** A bounded list of a room's newest messages: the oldest goes once the capacity is passed. */
export class RecentMessages {
  private messages: StoredMessage[] = [];

  constructor(
    private readonly capacity: number,
    initial: StoredMessage[] = [],
  ) {
    for (const message of initial) this.push(message);
  }

  push(message: StoredMessage): void {
    // A copy: a message as appended may hold a view of its turn's whole buffer.
    this.messages.push({ id: message.id, encoded: message.encoded });
    // Trimming in steps of `capacity` keeps pushes O(1) amortized.
    if (this.messages.length >= this.capacity * 2) this.messages = this.messages.slice(-this.capacity);
  }

  newest(limit: number): string[] {
    return this.messages.slice(-Math.min(limit, this.capacity)).map((message) => message.encoded);
  }

  remove(id: number): boolean {
    const before = this.messages.length;
    this.messages = this.messages.filter((message) => message.id !== id);
    return this.messages.length < before;
  }
}

/** Everything in memory, history bounded per room; gone when the process ends. */
export class MemoryStore implements Store {
  private readonly rooms = new Map<string, { name: string; recent: RecentMessages }>();
  private readonly accounts = new Map<string, string>();
  private readonly moderatorNames = new Set<string>();
  private banList: Ban[] = [];
  private lastId = 0;

  constructor(private readonly capacity: number) {
    this.saveRoom(LOBBY);
  }

  lastMessageId(): number {
    return this.lastId;
  }

  appendMessages(batch: readonly RoomMessage[]): void {
    for (const entry of batch) {
      this.saveRoom(entry.room);
      this.rooms.get(entry.room.toLowerCase())!.recent.push(entry);
      this.lastId = Math.max(this.lastId, entry.id);
    }
  }

  recentMessages(room: string, limit: number): string[] {
    return this.rooms.get(room.toLowerCase())?.recent.newest(limit) ?? [];
  }

  deleteMessage(id: number): string | null {
    for (const [key, room] of this.rooms) if (room.recent.remove(id)) return key;
    return null;
  }

  saveRoom(name: string): void {
    const key = name.toLowerCase();
    if (!this.rooms.has(key)) this.rooms.set(key, { name, recent: new RecentMessages(this.capacity) });
  }

  roomNames(): string[] {
    return [...this.rooms.values()].map((room) => room.name);
  }

  passwordHash(name: string): string | null {
    return this.accounts.get(name.toLowerCase()) ?? null;
  }

  saveAccount(name: string, passwordHash: string): void {
    this.accounts.set(name.toLowerCase(), passwordHash);
  }

  moderators(): string[] {
    return [...this.moderatorNames];
  }

  setModerator(name: string, moderator: boolean): void {
    if (moderator) this.moderatorNames.add(name.toLowerCase());
    else this.moderatorNames.delete(name.toLowerCase());
  }

  saveBan(ban: Ban): void {
    this.banList = [...this.banList.filter((b) => b.kind !== ban.kind || b.target !== ban.target), ban];
  }

  bans(): Ban[] {
    return [...this.banList];
  }

  removeBans(name: string): number {
    const before = this.banList.length;
    this.banList = this.banList.filter((ban) => ban.name.toLowerCase() !== name.toLowerCase());
    return before - this.banList.length;
  }

  close(): void {}
}
