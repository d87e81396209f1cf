// The chat state: who is logged in, the history, and the one place every broadcast goes through.
import { ChatError } from "./errors.ts";
import { info, message, SERVER_SENDER, type Response } from "./responses.ts";
import type { Store } from "./store.ts";
import { outgoing, type Outgoing } from "./writer.ts";

/** A logged-in connection as the chat state sees it. */
export interface Member {
  readonly username: string | null;
  deliver(out: Outgoing): void;
}

export class Chat {
  /** Keyed by lowercased name, so `Alice` cannot pose as `alice`; insertion order is login order. */
  private readonly members = new Map<string, Member>();

  constructor(
    private readonly store: Store,
    private readonly historyLimit: number,
  ) {}

  /** Adds a member under `username`, or throws ChatError when the name is reserved or taken. */
  join(member: Member, username: string): void {
    const key = username.toLowerCase();
    if (key === SERVER_SENDER) throw new ChatError(`The name '${username}' is reserved. Choose another username.`);
    if (this.members.has(key)) throw new ChatError(`Username '${username}' is taken. Choose another username.`);
    this.members.set(key, member);
    this.broadcast(info(`${username} joined the chat.`), member);
  }

  leave(username: string): void {
    if (!this.members.delete(username.toLowerCase())) return;
    this.broadcast(info(`${username} left the chat.`));
  }

  /** Keeps a message in history, then sends it to everyone, its author included. */
  post(sender: string, content: string): void {
    const response = message(sender, content);
    this.store.appendMessage(JSON.stringify(response));
    this.broadcast(response);
  }

  names(): string[] {
    return [...this.members.values()].map((member) => member.username!);
  }

  history(): string[] {
    return this.store.recentMessages(this.historyLimit);
  }

  /** Serializes once for all recipients; later the place to scope delivery to a room or a cluster. */
  broadcast(response: Response, except?: Member): void {
    const out = outgoing(response);
    for (const member of this.members.values()) if (member !== except) member.deliver(out);
  }
}
