// The server as a process: signals, logging, and memory under abuse.
import { expect, test } from "bun:test";
import { spawnServer } from "../support/process.ts";
import { RawPeer, comparable } from "../support/wire.ts";

test("SIGTERM stops accepting, tells every client with an info, closes them and exits 0", async () => {
  const server = await spawnServer();
  const alice = await RawPeer.connect(server.port);
  await alice.login("alice");
  const lurker = await RawPeer.connect(server.port);
  lurker.sendBare({ request: "help", content: null });
  await lurker.next();
  const exit = server.signal("SIGTERM");
  expect(comparable(await alice.next())).toEqual({ sender: "server", response: "info", content: "The server is shutting down. Goodbye." });
  expect(comparable(await lurker.next())).toEqual({ sender: "server", response: "info", content: "The server is shutting down. Goodbye." });
  await alice.waitClosed();
  await lurker.waitClosed();
  expect(await exit).toBe(0);
  expect(await RawPeer.connect(server.port).then(() => "connected", () => "refused")).toBe("refused");
});

test("at shutdown each client gets only the goodbye, not a leave notice for everyone closed before it", async () => {
  const server = await spawnServer();
  const peers = await Promise.all(["ann", "ben", "cat"].map(async (name) => {
    const peer = await RawPeer.connect(server.port);
    await peer.login(name);
    return peer;
  }));
  for (const peer of peers) await peer.drain();
  const exit = server.signal("SIGTERM");
  for (const peer of peers) {
    await peer.waitClosed();
    expect((await peer.take(1)).map((r) => r.content)).toEqual(["The server is shutting down. Goodbye."]);
  }
  expect(await exit).toBe(0);
});

test("SIGINT shuts down the same way", async () => {
  const server = await spawnServer();
  const bob = await RawPeer.connect(server.port);
  await bob.login("bob");
  const exit = server.signal("SIGINT");
  expect((await bob.next()).content).toBe("The server is shutting down. Goodbye.");
  expect(await exit).toBe(0);
});

test("the log has a line per connection event and no message contents at the default level", async () => {
  const server = await spawnServer();
  const carol = await RawPeer.connect(server.port);
  await carol.login("carol");
  carol.send({ request: "msg", content: "a secret for carol only" });
  await carol.next();
  carol.close();
  await Bun.sleep(100);
  await server.signal("SIGTERM");
  const log = server.log();
  expect(log).toMatch(/INFO 127\.0\.0\.1:\d+ connected/);
  expect(log).toMatch(/INFO 127\.0\.0\.1:\d+ logged in as carol/);
  expect(log).toMatch(/INFO 127\.0\.0\.1:\d+ disconnected/);
  expect(log).not.toContain("a secret");
});

test("--log-level debug logs message contents and --log-level warn hides connection events", async () => {
  const debug = await spawnServer(["--log-level", "debug"]);
  const dave = await RawPeer.connect(debug.port);
  await dave.login("dave");
  dave.send({ request: "msg", content: "debugging" });
  await dave.next();
  await debug.signal("SIGTERM");
  expect(debug.log()).toContain('(dave) msg "debugging"');

  const quiet = await spawnServer(["--log-level", "warn"]);
  const erin = await RawPeer.connect(quiet.port);
  await erin.login("erin");
  await quiet.signal("SIGTERM");
  expect(quiet.log()).not.toContain("connected");
});

test("an endless unterminated frame costs one error and a disconnect, and memory stays bounded", async () => {
  const server = await spawnServer();
  const before = server.rssKiB();
  const peer = await RawPeer.connect(server.port);
  peer.sendRaw('{"request": "msg", "content": "');
  const chunk = "x".repeat(64 * 1024);
  for (let i = 0; i < 160 && !peer.closed; i++) {
    peer.sendRaw(chunk);
    await Bun.sleep(1);
  }
  expect((await peer.next()).content).toBe("Request too large: the limit is 65536 bytes. Disconnecting.");
  await peer.waitClosed();
  const grown = server.rssKiB() - before;
  console.log(`RSS after the oversize flood: +${grown} KiB`);
  expect(grown).toBeLessThan(20 * 1024);
  await server.signal("SIGTERM");
});
