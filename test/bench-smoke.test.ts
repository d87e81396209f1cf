// Smoke test of the benchmark's load generator (bench/loadgen.ts) against the real server: a tiny
// fan-out must count every delivery exactly once, in order. The benchmark itself is `bun bench/run.ts`.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { FanOut, loginRate } from "../bench/loadgen.ts";
import type { RunningServer } from "../ktn/server/listener.ts";
import { startTestServer } from "./support/wire.ts";

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

test("the login-rate loop completes connect → login → history round trips", async () => {
  const result = await loginRate("ktn", server.port, 2, 0.2, "smokelogin", 20);
  expect(result.failed).toBe(0);
  expect(result.completed).toBeGreaterThan(0);
});
