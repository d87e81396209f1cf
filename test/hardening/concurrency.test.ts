// Concurrency: races resolve to one winner, and a failing command costs one error, not the server.
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as v from "valibot";
import { defineCommand } from "../../ktn/server/command.ts";
import { DEFAULT_LIMITS } from "../../ktn/server/limits.ts";
import type { RunningServer } from "../../ktn/server/listener.ts";
import { loadCommands, type LoadedCommand } from "../../ktn/server/registry.ts";
import { RawPeer, startTestServer, comparable } from "../support/wire.ts";

let server: RunningServer;
beforeAll(async () => {
  const commands = new Map(await loadCommands(DEFAULT_LIMITS));
  const explode = defineCommand({
    name: "explode",
    usage: "explode",
    summary: "Fails on purpose",
    beforeLogin: true,
    content: v.unknown(),
    run() {
      throw new TypeError("boom");
    },
  });
  commands.set("explode", { ...explode, schema: explode.content as v.GenericSchema, file: "explode.ts" } as LoadedCommand);
  server = await startTestServer({ commands });
});
afterAll(() => server.stop());

test("twenty connections racing to log in as the same name: exactly one wins", async () => {
  const peers = await Promise.all(Array.from({ length: 20 }, () => RawPeer.connect(server.port)));
  for (const peer of peers) peer.send({ request: "login", content: "racer" });
  const first = await Promise.all(peers.map((peer) => peer.next()));
  const winners = first.filter((r) => r.response === "info" && r.content === "Login successful. Welcome, racer!");
  const losers = first.filter((r) => r.response === "error" && r.content === "Username 'racer' is taken. Choose another username.");
  expect(winners.length).toBe(1);
  expect(losers.length).toBe(19);
  expect(server.chat.usernames()).toEqual(["racer"]);
  for (const peer of peers) peer.close();
});

test("an exception inside a command is answered with an error and the server runs on", async () => {
  const peer = await RawPeer.connect(server.port);
  peer.send({ request: "explode", content: null });
  expect(comparable(await peer.next())).toEqual({ sender: "server", response: "error", content: "The server failed to handle that request; it has been logged." });
  peer.send({ request: "help", content: null });
  expect((await peer.next()).content).toContain("explode");
  const [welcome] = await peer.login("survivor");
  expect(welcome.content).toBe("Login successful. Welcome, survivor!");
  peer.close();
});
