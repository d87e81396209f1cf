// The store: rooms and their message history, behind one small interface so another backend drops in.

/** Rooms are stored under their lowercased name; `lobby` always exists. */
export const LOBBY = "lobby";

export interface Store {
  /** Keeps one message response of `room`, already JSON-encoded as it appears in a history. Durable on return. */
  appendMessage(room: string, encoded: string): void;
  /** The newest `limit` messages of `room`, oldest first. */
  recentMessages(room: string, limit: number): string[];
  /** Remembers a room by its display name; a no-op when it exists. */
  saveRoom(name: string): void;
  /** Display names of every room ever created, lobby included. */
  roomNames(): string[];
  close(): void;
}

/** A bounded list of the newest messages: the oldest goes once the capacity is passed. */
export class RecentMessages {
  private messages: string[] = [];

  constructor(
    private readonly capacity: number,
    initial: string[] = [],
  ) {
    for (const encoded of initial) this.push(encoded);
  }

  push(encoded: string): void {
    this.messages.push(encoded);
    // Trimming in steps of `capacity` keeps pushes O(1) amortized.
    if (this.messages.length >= this.capacity * 2) this.messages = this.messages.slice(-this.capacity);
  }

  newest(limit: number): string[] {
    return this.messages.slice(-Math.min(limit, this.capacity));
  }
}

/** Everything in memory, bounded per room; gone when the process ends. */
export class MemoryStore implements Store {
  private readonly rooms = new Map<string, { name: string; recent: RecentMessages }>();

  constructor(private readonly capacity: number) {
    this.saveRoom(LOBBY);
  }

  appendMessage(room: string, encoded: string): void {
    this.saveRoom(room);
    this.rooms.get(room.toLowerCase())!.recent.push(encoded);
  }

  recentMessages(room: string, limit: number): string[] {
    return this.rooms.get(room.toLowerCase())?.recent.newest(limit) ?? [];
  }

  saveRoom(name: string): void {
    const key = name.toLowerCase();
    if (!this.rooms.has(key)) this.rooms.set(key, { name, recent: new RecentMessages(this.capacity) });
  }

  roomNames(): string[] {
    return [...this.rooms.values()].map((room) => room.name);
  }

  close(): void {}
}
