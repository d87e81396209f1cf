// Limits: each bound bites with a clear error or a clean disconnect, and nobody else notices.
import { afterEach, expect, test } from "bun:test";
import type { RunningServer } from "../../ktn/server/listener.ts";
import type { Limits } from "../../ktn/server/limits.ts";
import { spawnNonReader } from "../support/process.ts";
import { RawPeer, startTestServer, comparable } from "../support/wire.ts";

let servers: RunningServer[] = [];
afterEach(() => {
  for (const server of servers) server.stop();
  servers = [];
});

async function serverWith(limits: Partial<Limits>): Promise<RunningServer> {
  const server = await startTestServer({ limits });
  servers.push(server);
  return server;
}

test("an unterminated frame over the limit is answered with an error and the connection closed", async () => {
  const server = await serverWith({ maxFrameBytes: 1024 });
  const peer = await RawPeer.connect(server.port);
  peer.sendRaw('{"request": "msg", "content": "' + "a".repeat(2000));
  expect(comparable(await peer.next())).toEqual({ sender: "server", response: "error", content: "Request too large: the limit is 1024 bytes. Disconnecting." });
  await peer.waitClosed();
});

test("a request just under the frame limit is served", async () => {
  const server = await serverWith({ maxFrameBytes: 1024 });
  const peer = await RawPeer.connect(server.port);
  const request = JSON.stringify({ request: "help", content: "p".repeat(900) }) + "\n";
  expect(request.length).toBeLessThan(1024);
  peer.sendRaw(request);
  expect((await peer.next()).response).toBe("info");
  peer.close();
});

test("usernames longer than the limit are refused", async () => {
  const server = await serverWith({ maxUsernameChars: 8 });
  const peer = await RawPeer.connect(server.port);
  peer.send({ request: "login", content: "abcdefghi" });
  expect(comparable(await peer.next())).toEqual({ sender: "server", response: "error", content: "Usernames are at most 8 characters. Usage: login <username> [password]" });
  expect((await peer.login("abcdefgh"))[0].content).toBe("Login successful. Welcome, abcdefgh!");
  peer.close();
});

test("history keeps only the newest messages up to its limit", async () => {
  const server = await serverWith({ historyMessages: 3, floodRate: 0 });
  const author = await RawPeer.connect(server.port);
  await author.login("author");
  for (let i = 1; i <= 5; i++) author.send({ request: "msg", content: `m${i}` });
  await author.take(5);
  const reader = await RawPeer.connect(server.port);
  const [, history] = await reader.login("reader");
  expect(history.content.map((entry: string) => JSON.parse(entry).content)).toEqual(["m3", "m4", "m5"]);
  author.close();
  reader.close();
});

test("a flood is slowed down, announced once, and every message still arrives in order", async () => {
  const server = await serverWith({ floodBurst: 5, floodRate: 20 });
  const flooder = await RawPeer.connect(server.port);
  const bystander = await RawPeer.connect(server.port);
  await flooder.login("flooder");
  await bystander.login("bystander");
  await flooder.next(); // bystander joined
  const started = performance.now();
  flooder.sendRaw(Array.from({ length: 24 }, (_, i) => JSON.stringify({ request: "msg", content: `f${i}` }) + "\n").join(""));
  // The bystander stays responsive while the flood is being paced.
  bystander.send({ request: "names", content: null });
  const seen: any[] = [];
  let namesAt = 0;
  for (let i = 0; i < 25; i++) {
    const response = await bystander.next(3000);
    if (response.response === "info") namesAt = performance.now() - started;
    else seen.push(response.content);
  }
  console.log(`another client's names answered ${namesAt.toFixed(1)} ms into the flood`);
  expect(namesAt).toBeLessThan(100);
  expect(seen).toEqual(Array.from({ length: 24 }, (_, i) => `f${i}`));
  // 5 at once, then 19 more at 20 a second: about 0.95 s.
  expect(performance.now() - started).toBeGreaterThan(800);
  const toFlooder = await flooder.take(25, 3000);
  expect(toFlooder.filter((r) => r.response === "error").map((r) => r.content)).toEqual([
    "Flood control: you are sending faster than 20 requests a second. Your requests are delayed, not lost.",
  ]);
  flooder.close();
  bystander.close();
});

test("a client that stops reading is dropped once its queue passes the limit, and nobody else loses a message", async () => {
  const server = await serverWith({ maxQueueBytes: 256 * 1024, floodRate: 0 });
  // A peer with a tiny receive buffer that never reads: the kernel soon stops taking our writes.
  const sleeper = spawnNonReader(server.port, "sleeper");
  try {
    for (let i = 0; i < 100 && !server.chat.usernames().includes("sleeper"); i++) await Bun.sleep(20);
    const talker = await RawPeer.connect(server.port);
    await talker.login("talker");
    const listener = await RawPeer.connect(server.port);
    await listener.login("listener");
    await talker.next(); // listener joined
    const text = "z".repeat(900);
    let sent = 0;
    for (let batch = 0; batch < 500 && server.chat.usernames().includes("sleeper"); batch++) {
      talker.sendRaw(Array.from({ length: 20 }, (_, i) => JSON.stringify({ request: "msg", content: `${sent + i} ${text}` }) + "\n").join(""));
      sent += 20;
      await Bun.sleep(5);
    }
    expect(server.chat.usernames()).toEqual(["talker", "listener"]);
    expect(sent).toBeGreaterThan(200);
    const heard = (await listener.take(sent + 1, 10_000)).filter((r) => r.response === "message");
    expect(heard.map((r) => Number(r.content.split(" ")[0]))).toEqual(Array.from({ length: sent }, (_, i) => i));
    expect((await talker.take(sent + 1, 10_000)).filter((r) => r.response === "info").map((r) => r.content)).toEqual(["sleeper left the chat."]);
    talker.close();
    listener.close();
  } finally {
    sleeper.kill();
  }
});

test("connections from one address past the limit are refused with an error", async () => {
  const server = await serverWith({ maxPerAddress: 2, loopbackExempt: 0 });
  const first = await RawPeer.connect(server.port);
  const second = await RawPeer.connect(server.port);
  const third = await RawPeer.connect(server.port);
  expect(comparable(await third.next())).toEqual({ sender: "server", response: "error", content: "Too many connections from 127.0.0.1 (at most 2)." });
  await third.waitClosed();
  first.close();
  await Bun.sleep(50);
  const fourth = await RawPeer.connect(server.port);
  fourth.send({ request: "help", content: null });
  expect((await fourth.next()).response).toBe("info");
  second.close();
  fourth.close();
});

test("loopback is exempt from the per-address limit by default", async () => {
  const server = await serverWith({ maxPerAddress: 2 });
  const peers = await Promise.all([1, 2, 3, 4].map(() => RawPeer.connect(server.port)));
  peers[3]!.send({ request: "help", content: null });
  expect((await peers[3]!.next()).response).toBe("info");
  for (const peer of peers) peer.close();
});

test("connections past the total limit are refused with an error", async () => {
  const server = await serverWith({ maxConnections: 2 });
  const kept = [await RawPeer.connect(server.port), await RawPeer.connect(server.port)];
  const extra = await RawPeer.connect(server.port);
  expect(comparable(await extra.next())).toEqual({ sender: "server", response: "error", content: "The server is full (2 connections). Try again later." });
  await extra.waitClosed();
  for (const peer of kept) peer.close();
});

test("a connection that never logs in is closed at the login deadline", async () => {
  const server = await serverWith({ loginTimeoutSeconds: 1 });
  const idle = await RawPeer.connect(server.port);
  const started = performance.now();
  expect(comparable(await idle.next(3000))).toEqual({ sender: "server", response: "error", content: "No login within 1 seconds. Disconnecting." });
  await idle.waitClosed();
  expect(performance.now() - started).toBeGreaterThan(900);
});

test("a logged-in connection is not closed at the login deadline", async () => {
  const server = await serverWith({ loginTimeoutSeconds: 1 });
  const peer = await RawPeer.connect(server.port);
  await peer.login("stayer");
  expect(await peer.silentFor(1300)).toBe(true);
  expect(peer.closed).toBe(false);
  peer.close();
});

test("a message posted just before the refusal budget ends a connection reaches the room before the leave", async () => {
  const server = await serverWith({ maxBadRequests: 3 });
  const alice = await RawPeer.connect(server.port);
  alice.send({ request: "login", content: "alice" });
  await alice.take(2);
  const bob = await RawPeer.connect(server.port);
  bob.send({ request: "login", content: "bob" });
  await bob.take(2);
  await alice.next(); // bob joined
  // One small segment, so one turn: a message, then empty messages until the budget is spent.
  bob.sendRaw(JSON.stringify({ request: "msg", content: "last words" }) + "\n" + `{"request":"msg","content":""}\n`.repeat(5));
  const [said, gone] = await alice.take(2);
  expect([said.response, said.sender, said.content]).toEqual(["message", "bob", "last words"]);
  expect(comparable(gone)).toEqual({ sender: "server", response: "info", content: "bob left the chat." });
  const seen = await bob.take(6);
  expect(seen[0].content).toBe("last words");
  expect(seen.at(-1).content).toBe("Too many refused requests (more than 3 a minute). Disconnecting.");
  await bob.waitClosed();
});
