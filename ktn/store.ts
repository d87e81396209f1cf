// The store: where message history lives, behind one small interface so another backend drops in.

export interface Store {
  /** Keeps one message response, already JSON-encoded (exactly as it appears in a history). */
  appendMessage(encoded: string): void;
  /** The newest `limit` messages, oldest first. */
  recentMessages(limit: number): string[];
}

/** History in memory, bounded: the oldest message goes when a new one would pass the capacity. */
export class MemoryStore implements Store {
  private readonly messages: string[] = [];

  constructor(private readonly capacity: number) {}

  appendMessage(encoded: string): void {
    this.messages.push(encoded);
    if (this.messages.length > this.capacity * 2) this.messages.splice(0, this.messages.length - this.capacity);
  }

  recentMessages(limit: number): string[] {
    return this.messages.slice(-Math.min(limit, this.capacity));
  }
}
