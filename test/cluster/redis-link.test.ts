// The link to Redis: script calls run in Redis in the order the node made them, from a node's very
// first call and after Redis forgets its scripts; that order is the order of a room's messages.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { RedisLink } from "../../ktn/server/engine/redis-link.ts";
import { startRedis, type RedisServer } from "../support/redis.ts";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.dispose());

const APPEND = "redis.call('RPUSH', ARGV[1], ARGV[2]); return ARGV[2]";

/** One script call per event-loop turn, as a node makes one per turn; every so often Redis forgets its scripts. */
async function callInTurns(link: RedisLink, key: string, calls: number): Promise<void> {
  const replies: Promise<unknown>[] = [];
  for (let i = 0; i < calls; i++) {
    replies.push(link.script(APPEND, [key, i]));
    if (i % 50 === 25) await redis.command(["SCRIPT", "FLUSH"]);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(replies);
}

test("script calls made in consecutive turns run in Redis in the order they were made, across SCRIPT FLUSH", async () => {
  for (let round = 0; round < 5; round++) {
    const link = new RedisLink(redis.url);
    await link.open();
    const key = `order-${round}`;
    try {
      await callInTurns(link, key, 200);
    } finally {
      link.close();
    }
    const stored = (await redis.command(["LRANGE", key, "0", "-1"])) as string[];
    expect(stored).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
  }
});
