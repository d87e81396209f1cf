// The broker: the seam through which every chat message becomes durable and reaches the room's members,
// batched per event-loop turn, so that one process on SQLite and a cluster on Redis share one path.
//
// How a message travels (the contract a broker implements):
// 1. `Chat.post` hands the message to `publish` and returns; nothing is stored or sent yet, and
//    `publish` returns nothing (no promise: the single-process path must not pay for a cluster).
// 2. Every message published during one event-loop turn belongs to one batch. At the end of the turn
//    (`atTurnEnd(Phase.Commit, …)` from ../turn.ts, which runs before the writers flush) the broker
//    makes the whole batch durable in ONE step and numbers it: the local broker in one append to the
//    history file's message log (`Store.appendMessages`); a Redis broker in one round trip, a Lua script that takes
//    the ids (INCR), appends to each room's history and publishes, atomically, so that every node and
//    every history read agree on the order.
// 3. Only once the batch is durable does the broker call `onMessages(room, run, authors)`, in history
//    order, for each stretch of consecutive messages to one room (`handOver` below); the chat delivers
//    the run (serialized once, one buffer) to its members of that room. `authors[i]` is the member who
//    posted line i when it was posted on this process, null when it came from another node. A broker
//    with asynchronous durability (Redis) hands a batch over when it arrives; local members hear their
//    own batch then, and other nodes' batches as they arrive, each message exactly once.
// 4. When the batch cannot be made durable (a disk error; Redis down or timing out), nothing of it is
//    delivered and the broker calls `onFailed(author, reason)` once for each of its messages.
// Every published message is handed over exactly once with its author, or ends in one `onFailed`: the chat
// counts on it to release the author's next requests (see Session), so a broker must never drop one.
//
// The chat takes its broker as the third argument of `new Chat(store, historyLimit, broker)`; without
// one it makes a LocalBroker (./local-broker.ts) on its store, the reference implementation of the above.
// History reads (`Store.recentMessages`) and deletes stay with the Store; ids are the broker's to assign
// and must never repeat, across restarts and deletes (the local broker starts from `Store.lastMessageId`).
//
// The stored form of a message is its response JSON with an `id` key last (what `history` replays);
// its wire form is that JSON and a newline (`outgoingLines` in ../writer.ts), so both share one stringify.
import { outgoingRun, type Outgoing, type OutgoingRun } from "../writer.ts";

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
  /** Durable, numbered, consecutive messages for this process's members of `room`; called in history order. */
  onMessages(room: string, run: OutgoingRun, authors: readonly (A | null)[]): void;
  /** A published message could not be made durable and was delivered to nobody. */
  onFailed(author: A, reason: string): void;
}

export interface Broker<A> {
  /** Called once by the chat before anything is published. */
  attach(events: BrokerEvents<A>): void;
  /** Adds a message to this turn's batch; returns at once. */
  publish(message: Publication<A>): void;
}

/** Hands a durable batch (message i to `rooms[i]`, posted by `authors[i]`) to the chat, a run per stretch of one room. */
export function handOver<A>(events: BrokerEvents<A>, rooms: readonly string[], outs: readonly Outgoing[], authors: readonly (A | null)[]): void {
  let start = 0;
  for (let end = 1; end <= outs.length; end++) {
    if (end < outs.length && rooms[end] === rooms[start]) continue;
    events.onMessages(rooms[start]!, outgoingRun(outs.slice(start, end)), authors.slice(start, end));
    start = end;
  }
}
