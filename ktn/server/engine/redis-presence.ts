// Presence on Redis: who is logged in on which node and in which room, for the whole cluster, with a
// heartbeat per node so that a dead node's users fade out. Each change is one Lua script that also
// publishes the notice it causes, so the change and its notice are one step, seen once by everyone.
//
// Keys, under the cluster's prefix P: P:user:<name> (hash: name, node, room, address; its existence is
// what makes a name taken), P:members:<room> (sorted set of names by entry order), P:node:<id>:users,
// P:alive:<id> (expires unless the node's heartbeat renews it), P:nodes.
import { log } from "../log.ts";
import type { ClusterEvent } from "./cluster-events.ts";
import type { RedisLink } from "./redis-link.ts";

const PUBLISH_NOTICE = `
local function notice(P, room, text, except)
  if text == '' then return end
  local event = {k = 'n', room = room, text = text}
  if except ~= '' then event.except = except end
  redis.call('PUBLISH', P .. ':bus', cjson.encode(event))
end
`;

const CLAIM = `${PUBLISH_NOTICE}
local P, key, name, node, room, address, text = unpack(ARGV)
local user = P .. ':user:' .. key
if redis.call('EXISTS', user) == 1 then return 0 end
redis.call('HSET', user, 'name', name, 'node', node, 'room', room, 'address', address)
redis.call('SADD', P .. ':node:' .. node .. ':users', key)
redis.call('ZADD', P .. ':members:' .. room, redis.call('INCR', P .. ':seq'), name)
notice(P, room, text, key)
return 1`;

const RELEASE = `${PUBLISH_NOTICE}
local P, key, node, text = unpack(ARGV)
local user = P .. ':user:' .. key
if redis.call('HGET', user, 'node') ~= node then return 0 end
local found = redis.call('HMGET', user, 'name', 'room')
redis.call('DEL', user)
redis.call('SREM', P .. ':node:' .. node .. ':users', key)
if not (found[1] and found[2]) then return 0 end
redis.call('ZREM', P .. ':members:' .. found[2], found[1])
notice(P, found[2], text, '')
return 1`;

const MOVE = `${PUBLISH_NOTICE}
local P, key, name, node, address, to, leftText, joinText = unpack(ARGV)
local user = P .. ':user:' .. key
local from = redis.call('HGET', user, 'room')
if from then redis.call('ZREM', P .. ':members:' .. from, name) end
redis.call('HSET', user, 'name', name, 'node', node, 'room', to, 'address', address)
redis.call('SADD', P .. ':node:' .. node .. ':users', key)
redis.call('ZADD', P .. ':members:' .. to, redis.call('INCR', P .. ':seq'), name)
if from then notice(P, from, leftText, key) end
notice(P, to, joinText, key)
return 1`;

/** Renews this node's heartbeat; answers 0 when it had lapsed (other nodes may have reaped our users). */
const HEARTBEAT = `
local P, node, ttl = unpack(ARGV)
local lapsed = redis.call('EXISTS', P .. ':alive:' .. node)
redis.call('SET', P .. ':alive:' .. node, '1', 'PX', ttl)
redis.call('DEL', P .. ':suspect:' .. node)
redis.call('SADD', P .. ':nodes', node)
return lapsed`;

/**
 * Takes every user of every node whose heartbeat expired out of the chat, once: the script runs alone.
 * A node is only suspected the first time its heartbeat is found missing, and reaped if it is still
 * missing a beat later: after Redis was frozen or away, every heartbeat has expired at once, and the
 * live nodes renew theirs before they would be reaped.
 */
const REAP = `${PUBLISH_NOTICE}
local P, self, suffix, grace = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local reaped = 0
for _, node in ipairs(redis.call('SMEMBERS', P .. ':nodes')) do
  local suspect = P .. ':suspect:' .. node
  local dead = false
  if node ~= self and redis.call('EXISTS', P .. ':alive:' .. node) == 0 then
    local since = tonumber(redis.call('GET', suspect))
    if since == nil then redis.call('SET', suspect, now, 'PX', grace * 10) end
    dead = since ~= nil and now - since >= grace
  end
  if dead then
    redis.call('DEL', suspect)
    for _, key in ipairs(redis.call('SMEMBERS', P .. ':node:' .. node .. ':users')) do
      local user = P .. ':user:' .. key
      if redis.call('HGET', user, 'node') == node then
        local found = redis.call('HMGET', user, 'name', 'room')
        redis.call('DEL', user)
        if found[1] and found[2] then
          redis.call('ZREM', P .. ':members:' .. found[2], found[1])
          notice(P, found[2], found[1] .. suffix, '')
          reaped = reaped + 1
        end
      end
    end
    redis.call('DEL', P .. ':node:' .. node .. ':users')
    redis.call('SREM', P .. ':nodes', node)
  end
end
return reaped`;

/** Puts this node's users back after Redis lost them (a restart, a lapsed heartbeat); answers the names someone else took meanwhile. */
const REJOIN = `
local P, node = ARGV[1], ARGV[2]
local taken = {}
for i = 3, #ARGV, 4 do
  local key, name, room, address = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local user = P .. ':user:' .. key
  local owner = redis.call('HGET', user, 'node')
  if owner and owner ~= node then
    taken[#taken + 1] = key
  elseif not owner then
    redis.call('HSET', user, 'name', name, 'node', node, 'room', room, 'address', address)
    redis.call('SADD', P .. ':node:' .. node .. ':users', key)
    redis.call('ZADD', P .. ':members:' .. room, redis.call('INCR', P .. ':seq'), name)
  end
end
return taken`;

/** Publishes an event about one user only if that user is logged in somewhere; answers 1 if so. */
const TO_USER = `
local P, key, event = unpack(ARGV)
if redis.call('EXISTS', P .. ':user:' .. key) == 0 then return 0 end
redis.call('PUBLISH', P .. ':bus', event)
return 1`;

/** A logged-in user as presence keeps it: its name, the room it is in, the address it connects from. */
export interface PresentUser {
  name: string;
  room: string;
  address: string;
}

export const LEFT_SUFFIX = " left the chat.";

export class RedisPresence {
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  /** Leaves that could not reach Redis, done again once it is back, so a name is never taken for good. */
  private readonly unreleased = new Map<string, string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Redis came back or our heartbeat lapsed: put our users back, on every beat until it works. */
  private rejoinDue = false;
  /** No reaping before this time (after a reconnect). */
  private reapFrom = 0;

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    /** This node's id, unique to this process run. */
    private readonly node: string,
    private readonly ttlMs: number,
    /** This node's logged-in users, to put back into Redis when it lost them. */
    private readonly localUsers: () => PresentUser[],
    /** A local user whose name another node took while Redis had lost ours. */
    private readonly lostName: (name: string) => void,
  ) {}

  /** How often the heartbeat is renewed and dead nodes are looked for. */
  private get beatMs(): number {
    return Math.max(100, Math.floor(this.ttlMs / 3));
  }

  get channel(): string {
    return `${this.prefix}:bus`;
  }

  /** Starts the heartbeat and the watch for dead nodes. */
  async start(): Promise<void> {
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat().catch(() => {}), this.beatMs);
    this.link.onReconnect(() => {
      this.rejoinDue = true;
      // The other nodes may be a moment behind us in coming back: their heartbeats get one TTL first.
      this.reapFrom = Date.now() + this.ttlMs;
      void this.beat().catch(() => {});
    });
  }

  /** Takes `name` for the whole cluster and tells `room` (all but the user); false when someone has it. */
  async claim(name: string, room: string, address: string, joinText: string): Promise<boolean> {
    return (await this.run(CLAIM, [name.toLowerCase(), name, this.node, room.toLowerCase(), address, joinText])) === 1;
  }

  /** Gives `name` back and tells its room `leftText` ("" for nothing); done later if Redis is down now. */
  release(name: string, leftText: string): void {
    const key = name.toLowerCase();
    this.unreleased.set(key, leftText);
    this.track(this.run(RELEASE, [key, this.node, leftText]).then(() => this.unreleased.delete(key)));
  }

  async move(user: PresentUser, to: string, leftText: string, joinText: string): Promise<void> {
    await this.run(MOVE, [user.name.toLowerCase(), user.name, this.node, user.address, to.toLowerCase(), leftText, joinText]);
  }

  /** Names in a room on every node, in the order they entered it. */
  async names(room: string): Promise<string[]> {
    const names = (await this.link.call("ZRANGE", [`${this.prefix}:members:${room.toLowerCase()}`, 0, -1])) as unknown[];
    return names.filter((name): name is string => typeof name === "string" && /^[A-Za-z0-9]{1,200}$/.test(name));
  }

  /** How many are in each of these rooms, on every node. */
  async counts(rooms: string[]): Promise<number[]> {
    return Promise.all(rooms.map(async (room) => Number(await this.link.call("ZCARD", [`${this.prefix}:members:${room.toLowerCase()}`])) || 0));
  }

  async locate(name: string): Promise<PresentUser | null> {
    const [found, room, address] = (await this.link.call("HMGET", [`${this.prefix}:user:${name.toLowerCase()}`, "name", "room", "address"])) as (string | null)[];
    return found && room && address ? { name: found, room, address } : null;
  }

  /** Publishes an event about a user if it is logged in on some node; false when it is not. */
  async toUser(name: string, event: ClusterEvent): Promise<boolean> {
    return (await this.run(TO_USER, [name.toLowerCase(), JSON.stringify(event)])) === 1;
  }

  async publish(event: ClusterEvent): Promise<void> {
    await this.link.call("PUBLISH", [this.channel, JSON.stringify(event)]);
  }

  /** Stops the heartbeat and waits (bounded) for the leaves under way, so other nodes hear them. */
  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await Promise.race([Promise.allSettled([...this.inFlight]), Bun.sleep(2000)]);
    await this.link.call("DEL", [`${this.prefix}:alive:${this.node}`]).catch(() => {});
  }

  private async beat(): Promise<void> {
    const alive = await this.run(HEARTBEAT, [this.node, this.ttlMs]);
    if (alive === 0 && this.heartbeat) this.rejoinDue = true;
    if (this.rejoinDue) {
      await this.rejoin();
      this.rejoinDue = false;
    }
    if (Date.now() < this.reapFrom) return;
    const reaped = Number(await this.run(REAP, [this.node, LEFT_SUFFIX, Math.floor(this.beatMs / 2)]));
    if (reaped > 0) log.info(`presence: ${reaped} user(s) of dead nodes logged out`);
  }

  /** After an outage: the leaves Redis missed, then our users, who may have been reaped meanwhile. */
  private async rejoin(): Promise<void> {
    for (const [key, leftText] of this.unreleased) this.release(key, leftText);
    const users = this.localUsers().flatMap((user) => [user.name.toLowerCase(), user.name, user.room.toLowerCase(), user.address]);
    const taken = (await this.run(REJOIN, [this.node, ...users])) as string[];
    for (const name of taken) this.lostName(name);
  }

  private run(script: string, args: (string | number)[]): Promise<any> {
    return this.link.script(script, [this.prefix, ...args]);
  }

  private track(work: Promise<unknown>): void {
    const quiet = work.catch(() => {});
    this.inFlight.add(quiet);
    void quiet.then(() => this.inFlight.delete(quiet));
  }
}
