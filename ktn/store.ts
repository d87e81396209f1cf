// The store: where message history lives, behind one small interface so another backend drops in.

export interface Store {
  /** Keeps one message response, already JSON-encoded (exactly as it appears in a history). Durable on return. */
  appendMessage(encoded: string): void;
  /** The newest `limit` messages, oldest first. */
  recentMessages(limit: number): string[];
  close(): void;
}

/** History in memory, bounded: the oldest message goes when a new one would pass the capacity. */
export class MemoryStore implements Store {
  private messages: string[] = [];

  constructor(
    private readonly capacity: number,
    initial: string[] = [],
  ) {
    for (const encoded of initial) this.appendMessage(encoded);
  }

  appendMessage(encoded: string): void {
    this.messages.push(encoded);
    // Trimming in steps of `capacity` keeps appends O(1) amortized.
    if (this.messages.length >= this.capacity * 2) this.messages = this.messages.slice(-this.capacity);
  }

  recentMessages(limit: number): string[] {
    return this.messages.slice(-Math.min(limit, this.capacity));
  }

  close(): void {}
}
