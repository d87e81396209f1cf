import { afterAll, beforeAll, expect, test } from "bun:test";
import type { RunningServer } from "../ktn/server/listener.ts";
import { ISO_TIMESTAMP, RawPeer, startTestServer, comparable } from "./support/wire.ts";

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

test("login answers with an info, then an empty history", async () => {
  const alice = await RawPeer.connect(server.port);
  alice.send({ request: "login", content: "alice" });
  const [welcome, history] = await alice.take(2);
  expect(welcome.timestamp).toMatch(ISO_TIMESTAMP);
  expect(comparable(welcome)).toEqual({ sender: "server", response: "info", content: "Login successful. Welcome, alice!" });
  expect(comparable(history)).toEqual({ sender: "server", response: "history", content: [] });
  alice.close();
});
