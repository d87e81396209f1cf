// The broker: the seam through which every chat message becomes durable and reaches the room's members,
// batched per event-loop turn, so that one process on SQLite and a cluster on Redis share one path.
//
// How a message travels (the contract a broker implements):
// 1. `Chat.post` hands the message to `publish` and returns; nothing is stored or sent yet, and
//    `publish` returns nothing (no promise: the single-process path must not pay for a cluster).
// 2. Every message published during one event-loop turn belongs to one batch. At the end of the turn
//    (`atTurnEnd(Phase.Commit, …)` from ../turn.ts, which runs before the writers flush) the broker
//    makes the whole batch durable in ONE step and numbers it: the local broker in one SQLite
//    transaction (`Store.appendMessages`); a Redis broker in one round trip, a Lua script that takes
//    the ids (INCR), appends to each room's history and publishes, atomically, so that every node and
//    every history read agree on the order.
// 3. Only once the batch is durable does the broker call `onMessage(room, out, author)` for each
//    message, in history order; the chat delivers `out` (serialized once) to its members of that room.
//    `author` is the publishing member when it was published on this process, null when it came from
//    another node. A broker with asynchronous durability (Redis) calls `onMessage` when the reply
//    arrives; local members hear their own batch then, and other nodes' batches as they arrive, each
//    message exactly once.
// 4. When the batch cannot be made durable (a disk error; Redis down or timing out), nothing of it is
//    delivered and the broker calls `onFailed(author, reason)` once for each of its messages.
// Every published message ends in exactly one `onMessage` with its author, or one `onFailed`: the chat
// counts on it to release the author's next requests (see Session), so a broker must never drop one.
//
// The chat takes its broker as the third argument of `new Chat(store, historyLimit, broker)`; without
// one it makes a LocalBroker (./local-broker.ts) on its store, the reference implementation of the above.
// History reads (`Store.recentMessages`) and deletes stay with the Store; ids are the broker's to assign
// and must never repeat, across restarts and deletes (the local broker starts from `Store.lastMessageId`).
//
// The stored form of a message is its response JSON with an `id` key last (what `history` replays);
// its wire form is that JSON and a newline (`outgoingLines` in ../writer.ts), so both share one stringify.
import type { Outgoing } from "../writer.ts";

/** A message as the chat hands it over: not yet numbered, stored or sent. */
export interface Publication<A> {
  /** The room's key: its lowercased name. */
  readonly room: string;
  readonly sender: string;
  readonly content: string;
  /** When the server accepted it, as it appears in the response. */
  readonly timestamp: string;
  /** Who posted it, on this process: told when it fails. */
  readonly author: A;
}

/** What the chat gives the broker: where durable messages and failures go. */
export interface BrokerEvents<A> {
  /** A durable, numbered message for this process's members of `room`; called in history order. */
  onMessage(room: string, out: Outgoing, author: A | null): void;
  /** A published message could not be made durable and was delivered to nobody. */
  onFailed(author: A, reason: string): void;
}

export interface Broker<A> {
  /** Called once by the chat before anything is published. */
  attach(events: BrokerEvents<A>): void;
  /** Adds a message to this turn's batch; returns at once. */
  publish(message: Publication<A>): void;
}
