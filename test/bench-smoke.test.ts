// Smoke test of the benchmark's load generator (bench/loadgen.ts) against the real server: a tiny
// fan-out must count every delivery exactly once, in order. The benchmark itself is `bun bench/run.ts`.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { FanOut, loginRate } from "../bench/loadgen.ts";
import type { RunningServer } from "../ktn/server/listener.ts";
import { startTestServer } from "./support/wire.ts";
import { startRedis } from "./support/redis.ts";

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { floodRate: 0 } });
});
afterAll(() => server.stop());

test("a small fan-out is delivered to every receiver once and in order", async () => {
  const fan = new FanOut("ktn", server.port, "smoke");
  const setup = await fan.setup(5, 10);
  expect(setup.failed).toBe(0);
  try {
    for (const [senders, window] of [[1, 1], [2, 4]] as const) {
      const result = await fan.run({ cell: senders * 10 + window, senders, window, seconds: 0.3, maxMessages: 300, drainSeconds: 5 });
      expect(result.timedOut).toBe(false);
      expect(result.messagesSent).toBeGreaterThan(0);
      expect(result.messagesCompleted).toBe(result.messagesSent);
      expect(result.deliveries).toBe(result.messagesSent * 5);
      expect([result.lost, result.duplicated, result.outOfOrder, result.stray]).toEqual([0, 0, 0, 0]);
      expect(result.latencyUs.p50).toBeGreaterThanOrEqual(0);
      expect(result.latencyUs.p99).toBeLessThanOrEqual(result.latencyUs.max);
    }
  } finally {
    fan.close();
  }
});

test("a KTN sender hears every message (its echo); a redis sender does only when given a subscription of its own", async () => {
  const redis = await startRedis();
  const cell = { cell: 1, senders: 2, window: 2, seconds: 0.3, maxMessages: 200, drainSeconds: 5 };
  // Each copy of a message carries its 100-byte payload, whatever the protocol wraps around it.
  const copies = (result: { senderBytes: number }) => Math.floor(result.senderBytes / 100);
  try {
    const heard: Record<string, { sent: number; copies: number }> = {};
    for (const [name, fan] of [
      ["ktn", new FanOut("ktn", server.port, "hear")],
      ["redis", new FanOut("redis", redis.port, "plain")],
      ["redis, senders subscribed", new FanOut("redis", redis.port, "heard", true)],
    ] as const) {
      expect((await fan.setup(3, 10)).failed).toBe(0);
      const result = await fan.run(cell);
      fan.close();
      expect([result.lost, result.duplicated, result.outOfOrder, result.stray]).toEqual([0, 0, 0, 0]);
      heard[name] = { sent: result.messagesSent, copies: copies(result) };
    }
    // Every sender hears every message: S copies of each.
    expect(heard.ktn!.copies).toBeGreaterThanOrEqual(2 * heard.ktn!.sent);
    expect(heard["redis, senders subscribed"]!.copies).toBeGreaterThanOrEqual(2 * heard["redis, senders subscribed"]!.sent);
    // A plain redis publisher is only told how many received it: a few bytes a message.
    expect(heard.redis!.copies).toBeLessThan(heard.redis!.sent);
  } finally {
    await redis.dispose();
  }
});

test("the login-rate loop completes connect → login → history round trips", async () => {
  const result = await loginRate("ktn", server.port, 2, 0.2, "smokelogin", 20);
  expect(result.failed).toBe(0);
  expect(result.completed).toBeGreaterThan(0);
});
