// The Redis broker: a turn's messages become durable and reach every node in one round trip.
//
// One Lua script takes the ids (INCR), appends each message to its room's history (bounded) and
// publishes the whole batch on the cluster's channel, atomically: every node, and every history read,
// sees the messages of a room in the order Redis ran the scripts. Every node, this one included,
// delivers what arrives on its subscription, so live order on all nodes is that one order; the
// script's reply only settles failures, and stands in for a subscription event that never came.
import { message } from "../../protocol/responses.ts";
import { log } from "../log.ts";
import { atTurnEnd, Phase } from "../turn.ts";
import { outgoingLines, type Outgoing } from "../writer.ts";
import { handOver, type Broker, type BrokerEvents, type Publication } from "./broker.ts";
import type { ClusterEvent } from "./cluster-events.ts";
import type { RedisLink } from "./redis-link.ts";

/** ARGV: prefix, history capacity, node, batch number, then room and encoded message (no id yet) per message. */
const PUBLISH_BATCH = `
local P, capacity, node, batch = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local parts, stored = {}, {}
for i = 5, #ARGV, 2 do
  local room, encoded = ARGV[i], ARGV[i + 1]
  local id = redis.call('INCR', P .. ':message-id')
  local full = string.sub(encoded, 1, -2) .. ',"id":' .. id .. '}'
  local history = P .. ':history:' .. room
  redis.call('ZADD', history, id, full)
  redis.call('ZREMRANGEBYRANK', history, 0, -capacity - 1)
  parts[#parts + 1] = '["' .. room .. '",' .. full .. ']'
  stored[#stored + 1] = full
end
redis.call('PUBLISH', P .. ':bus', '{"k":"m","node":"' .. node .. '","b":' .. batch .. ',"m":[' .. table.concat(parts, ',') .. ']}')
return stored`;

/** How long a stored batch may wait for its own subscription event before the reply delivers it. */
const ECHO_WAIT_MS = 2000;

/** Refused batches remembered; an older one arriving after all is taken for delivered. */
const MAX_REFUSED = 1000;

type MessageEvent = Extract<ClusterEvent, { k: "m" }>;

export class RedisBroker<A> implements Broker<A> {
  private batch: Publication<A>[] = [];
  private events: BrokerEvents<A> | null = null;
  private batches = 0;
  /** Batches of this node sent to Redis, by number, until delivered (or refused). */
  private readonly pending = new Map<number, Publication<A>[]>();
  /** Batches whose authors were told they failed, though the script may still have run (a timeout). */
  private readonly refused = new Set<number>();
  private readonly commit = () => void this.commitBatch();

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    private readonly node: string,
    private readonly capacity: number,
  ) {}

  attach(events: BrokerEvents<A>): void {
    this.events = events;
  }

  publish(publication: Publication<A>): void {
    if (this.batch.push(publication) === 1) atTurnEnd(Phase.Commit, this.commit);
  }

  /** A batch arrived on the subscription, from this node or another: deliver it in its order. */
  received(event: MessageEvent): void {
    let authors: Publication<A>[] | undefined;
    if (event.node === this.node) {
      authors = this.pending.get(event.b);
      // Neither pending nor refused: the reply delivered it already.
      if (!authors && !this.refused.delete(event.b)) return;
      this.pending.delete(event.b);
    }
    const responses = event.m.map(([, response]) => response);
    this.deliver(event.m.map(([room]) => room), outgoingLines(responses, responses.map((response) => JSON.stringify(response))), authors);
  }

  private async commitBatch(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    const number = this.batches++;
    this.pending.set(number, batch);
    const args: string[] = [];
    for (const { room, sender, content, timestamp } of batch) args.push(room, JSON.stringify(message(sender, content, timestamp)));
    let stored: string[];
    try {
      stored = await this.link.script(PUBLISH_BATCH, [this.prefix, this.capacity, this.node, number, ...args]);
    } catch (failure) {
      this.pending.delete(number);
      this.refused.add(number);
      if (this.refused.size > MAX_REFUSED) this.refused.delete(this.refused.values().next().value!);
      const reason = "the chat's shared store did not answer";
      log.warn(`${batch.length} message(s) not sent: ${(failure as Error).message}`);
      for (const publication of batch) this.events!.onFailed(publication.author, reason);
      return;
    }
    setTimeout(() => this.deliverFromReply(number, stored), ECHO_WAIT_MS);
  }

  /** The subscription missed our own batch (it was reconnecting): the reply has what it needs. */
  private deliverFromReply(number: number, stored: string[]): void {
    const batch = this.pending.get(number);
    if (!batch) return;
    this.pending.delete(number);
    log.warn(`redis: batch ${number} did not come back on the subscription; delivering it from the reply`);
    const outs = outgoingLines(stored.map((encoded) => JSON.parse(encoded)), stored);
    this.deliver(batch.map((publication) => publication.room), outs, batch);
  }

  /** Hands a stored batch to the chat in its order, settling this node's authors. */
  private deliver(rooms: string[], outs: Outgoing[], authors: Publication<A>[] | undefined): void {
    handOver(this.events!, rooms, outs, outs.map((_, i) => authors?.[i]?.author ?? null));
  }
}
