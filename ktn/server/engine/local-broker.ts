// The local broker: one process, one Store; each turn's messages are stored in one batch (one append to the history file's log), then delivered.
import { log } from "../log.ts";
import { message, type Response } from "../../protocol/responses.ts";
import { atTurnEnd, Phase } from "../turn.ts";
import { outgoingLines } from "../writer.ts";
import { handOver, type Broker, type BrokerEvents, type Publication } from "./broker.ts";
import type { RoomMessage, Store } from "./store.ts";

export class LocalBroker<A> implements Broker<A> {
  private batch: Publication<A>[] = [];
  private events: BrokerEvents<A> | null = null;
  /** The highest id handed out; ids stay unique across restarts and deletes because the store remembers it. */
  private lastId: number;
  private readonly commit = () => this.commitBatch();

  constructor(private readonly store: Store) {
    this.lastId = store.lastMessageId();
  }

  attach(events: BrokerEvents<A>): void {
    this.events = events;
  }

  publish(publication: Publication<A>): void {
    if (this.batch.push(publication) === 1) atTurnEnd(Phase.Commit, this.commit);
  }

  private commitBatch(): void {
    const batch = this.batch;
    this.batch = [];
    const events = this.events!;
    const responses: Response[] = new Array(batch.length);
    const entries: RoomMessage[] = new Array(batch.length);
    let id = this.lastId;
    for (let i = 0; i < batch.length; i++) {
      const { room, sender, content, timestamp } = batch[i]!;
      const response = message(sender, content, timestamp);
      response.id = ++id;
      responses[i] = response;
      entries[i] = { room, id, encoded: JSON.stringify(response) };
    }
    const lines = outgoingLines(responses, entries.map((entry) => entry.encoded));
    for (let i = 0; i < entries.length; i++) entries[i]!.line = lines[i]!.bytes;
    try {
      this.store.appendMessages(entries);
    } catch (failure) {
      const reason = (failure as Error).message;
      log.error(`${batch.length} message(s) not stored, not sent: ${reason}`);
      for (const publication of batch) events.onFailed(publication.author, reason);
      return;
    }
    this.lastId = id;
    handOver(events, entries.map((entry) => entry.room), lines, batch.map((publication) => publication.author));
  }
}
