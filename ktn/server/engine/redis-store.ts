// The Redis store: history, rooms, accounts, moderators and bans shared by every node of a cluster.
//
// Keys, under the cluster's prefix P: P:history:<room> (sorted set of encoded messages by id, bounded;
// the broker appends to it), P:rooms (hash: key → display name), P:accounts (hash: name → password
// hash), P:moderators (set), P:bans (hash: kind:target → JSON). Anything found there that we did not
// write is logged and skipped.
import * as v from "valibot";
import { ChatError } from "../errors.ts";
import { log } from "../log.ts";
import { checkStoredMessage } from "./cluster-events.ts";
import type { RedisLink } from "./redis-link.ts";
import { LOBBY, type Ban, type StateStore } from "./store.ts";

const BanShape = v.object({
  kind: v.picklist(["name", "address"]),
  target: v.string(),
  name: v.string(),
  until: v.nullable(v.number()),
  reason: v.string(),
  by: v.string(),
});

/** Removes a message from whichever room's history holds it; answers that room's key, or false. */
const DELETE_MESSAGE = `
local P, id = ARGV[1], ARGV[2]
for _, room in ipairs(redis.call('HKEYS', P .. ':rooms')) do
  if redis.call('ZREMRANGEBYSCORE', P .. ':history:' .. room, id, id) > 0 then return room end
end
return false`;

export class RedisStore implements StateStore {
  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
  ) {}

  /** Makes sure the lobby exists; start-up fails here when Redis refuses us. */
  async open(): Promise<void> {
    await this.saveRoom(LOBBY);
  }

  historyKey(room: string): string {
    return `${this.prefix}:history:${room.toLowerCase()}`;
  }

  async recentMessages(room: string, limit: number): Promise<string[]> {
    const entries = (await this.link.call("ZRANGE", [this.historyKey(room), -limit, -1])) as unknown[];
    return entries.filter((entry): entry is string => {
      if (checkStoredMessage(entry)) return true;
      log.warn(`redis: skipped a history entry of ${room} that is not a message of ours (${String(entry).slice(0, 80)})`);
      return false;
    });
  }

  async deleteMessage(id: number): Promise<string | null> {
    const room = await this.link.script(DELETE_MESSAGE, [this.prefix, id]);
    return typeof room === "string" ? room : null;
  }

  async saveRoom(name: string): Promise<void> {
    await this.link.call("HSETNX", [`${this.prefix}:rooms`, name.toLowerCase(), name]);
  }

  /** A room's display name as first saved, or null for a room never made. */
  async roomName(name: string): Promise<string | null> {
    const stored = await this.link.call("HGET", [`${this.prefix}:rooms`, name.toLowerCase()]);
    return typeof stored === "string" && stored.toLowerCase() === name.toLowerCase() ? stored : null;
  }

  async roomNames(): Promise<string[]> {
    const rooms = (await this.link.call("HGETALL", [`${this.prefix}:rooms`])) as Record<string, unknown>;
    const names = Object.entries(rooms ?? {}).flatMap(([key, name]) => (typeof name === "string" && name.toLowerCase() === key && /^[A-Za-z0-9]+$/.test(name) ? [name] : []));
    // The lobby first, the rest alphabetically: every node lists them alike.
    return names.sort((a, b) => Number(b.toLowerCase() === LOBBY) - Number(a.toLowerCase() === LOBBY) || a.localeCompare(b));
  }

  async passwordHash(name: string): Promise<string | null> {
    const hash = await this.link.call("HGET", [`${this.prefix}:accounts`, name.toLowerCase()]);
    return typeof hash === "string" && hash.startsWith("$") ? hash : null;
  }

  async saveAccount(name: string, passwordHash: string): Promise<void> {
    const added = await this.link.call("HSETNX", [`${this.prefix}:accounts`, name.toLowerCase(), passwordHash]);
    if (Number(added) !== 1) throw new ChatError(`${name} is registered already.`);
  }

  async moderators(): Promise<string[]> {
    return ((await this.link.call("SMEMBERS", [`${this.prefix}:moderators`])) as unknown[]).filter((name): name is string => typeof name === "string");
  }

  async setModerator(name: string, moderator: boolean): Promise<void> {
    await this.link.call(moderator ? "SADD" : "SREM", [`${this.prefix}:moderators`, name.toLowerCase()]);
  }

  async saveBan(ban: Ban): Promise<void> {
    await this.link.call("HSET", [`${this.prefix}:bans`, `${ban.kind}:${ban.target}`, JSON.stringify(ban)]);
  }

  async bans(): Promise<Ban[]> {
    const stored = (await this.link.call("HGETALL", [`${this.prefix}:bans`])) as Record<string, unknown>;
    return Object.values(stored ?? {}).flatMap((text) => {
      const ban = parseBan(text);
      if (!ban) log.warn(`redis: skipped a ban that is not one of ours (${String(text).slice(0, 80)})`);
      return ban ? [ban] : [];
    });
  }

  async removeBans(name: string): Promise<number> {
    const stored = (await this.link.call("HGETALL", [`${this.prefix}:bans`])) as Record<string, unknown>;
    const fields = Object.entries(stored ?? {}).filter(([, text]) => parseBan(text)?.name.toLowerCase() === name.toLowerCase()).map(([field]) => field);
    if (fields.length === 0) return 0;
    return Number(await this.link.call("HDEL", [`${this.prefix}:bans`, ...fields]));
  }

  close(): void {}
}

function parseBan(text: unknown): Ban | null {
  if (typeof text !== "string" || text.length > 10_000) return null;
  try {
    const checked = v.safeParse(BanShape, JSON.parse(text));
    return checked.success ? checked.output : null;
  } catch {
    return null;
  }
}
