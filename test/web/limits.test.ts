// Limits over WebSocket (docs/protocol.md §14): every bound bites a WebSocket user exactly as it bites a TCP user.
import { afterEach, expect, test } from "bun:test";
import type { RunningServer } from "../../ktn/server/listener.ts";
import type { Limits } from "../../ktn/server/limits.ts";
import { error, expectResponse, left, message } from "../support/conformance.ts";
import { RawPeer, startTestServer } from "../support/wire.ts";
import { WsPeer } from "./ws-peer.ts";

let servers: RunningServer[] = [];
let peers: { close(): void }[] = [];
afterEach(() => {
  for (const peer of peers) peer.close();
  for (const server of servers) server.stop();
  servers = [];
  peers = [];
});

async function serverWith(limits: Partial<Limits>): Promise<RunningServer> {
  const server = await startTestServer({ web: { port: 0 }, limits });
  servers.push(server);
  return server;
}

async function ws(server: RunningServer, username?: string): Promise<WsPeer> {
  const peer = await WsPeer.connect(server.web!.port);
  peers.push(peer);
  if (username) await peer.login(username);
  return peer;
}

async function tcp(server: RunningServer, username?: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(server.port);
  peers.push({ close: () => peer.closed || peer.abort() });
  if (username) await peer.login(username);
  return peer;
}

test("a frame over --max-frame gets the error, then the close, and the room hears the user left", async () => {
  const server = await serverWith({ maxFrameBytes: 1000 });
  const big = await ws(server, "big");
  const carol = await tcp(server, "carol");
  await big.next(); // carol joined
  big.send({ request: "msg", content: "x".repeat(1000) });
  expectResponse(await big.next(), error("Request too large: the limit is 1000 bytes. Disconnecting."));
  await big.waitClosed();
  expectResponse(await carol.next(), left("big"));
});

test("a frame exactly at --max-frame is read", async () => {
  const server = await serverWith({ maxFrameBytes: 1000 });
  const peer = await ws(server, "alice");
  const frame = JSON.stringify({ request: "msg", content: "" });
  const content = "y".repeat(1000 - frame.length);
  peer.send({ request: "msg", content });
  expectResponse(await peer.next(), message("alice", content));
});

test("a frame past Bun's ceiling (16 × --max-frame) is cut off with close code 1009 before it is buffered", async () => {
  const server = await serverWith({ maxFrameBytes: 1000 });
  const peer = await ws(server);
  peer.sendRaw("z".repeat(16 * 1000 + 1));
  await peer.waitClosed();
  expect(peer.closeCode).toBe(1009);
  expect(peer.frames).toEqual([]);
});

test("flood control delays a WebSocket user's requests, says so once, and loses none", async () => {
  const server = await serverWith({ floodBurst: 5, floodRate: 10 });
  const flooder = await ws(server, "flooder"); // the login took one of the 5
  for (let i = 0; i < 8; i++) flooder.send({ request: "msg", content: `f${i}` });
  const answers = await flooder.take(9, 3000);
  expectResponse(answers[4], error("Flood control: you are sending faster than 10 requests a second. Your requests are delayed, not lost."));
  expect(answers.filter((a) => a.response === "message").map((a) => a.content)).toEqual(["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"]);
});

test("a WebSocket cannot be paused, so more than one burst waiting behind flood control is a disconnect", async () => {
  const server = await serverWith({ floodBurst: 3, floodRate: 1 });
  const flooder = await ws(server, "flooder");
  const bystander = await tcp(server, "bystander");
  await flooder.next(); // bystander joined
  // The login and f0, f1 use the burst; f2, f3, f4 wait; f5 is one too many.
  for (let i = 0; i < 20; i++) flooder.send({ request: "msg", content: `f${i}` });
  const answers = await flooder.take(4, 3000);
  expect(answers.slice(0, 2).map((a) => a.content)).toEqual(["f0", "f1"]);
  expect(answers[2].content).toStartWith("Flood control: you are sending faster");
  expectResponse(answers[3], error("Flood control: more than 3 requests waiting, and a WebSocket cannot be slowed down. Disconnecting."));
  await flooder.waitClosed();
  expect((await bystander.take(3)).map((r) => r.content)).toEqual(["f0", "f1", "flooder left the chat."]);
});

test("the refusal budget disconnects a WebSocket that sends only garbage", async () => {
  const server = await serverWith({ maxBadRequests: 3 });
  const peer = await ws(server);
  for (let i = 0; i < 4; i++) peer.send({ request: "dance" });
  const answers = await peer.take(5);
  expectResponse(answers[4], error("Too many refused requests (more than 3 a minute). Disconnecting."));
  await peer.waitClosed();
});

test("the login deadline disconnects a WebSocket that never logs in", async () => {
  const server = await serverWith({ loginTimeoutSeconds: 1 });
  const peer = await ws(server);
  expectResponse(await peer.next(1500), error("No login within 1 seconds. Disconnecting."));
  await peer.waitClosed();
});

test("connections per address count TCP and WebSocket users together", async () => {
  const server = await serverWith({ maxPerAddress: 2, loopbackExempt: 0 });
  await tcp(server);
  await ws(server);
  const third = await ws(server);
  expectResponse(await third.next(), error("Too many connections from 127.0.0.1 (at most 2)."));
  await third.waitClosed();
  const fourth = await tcp(server);
  expectResponse(await fourth.next(), error("Too many connections from 127.0.0.1 (at most 2)."));
});

test("the total connection limit counts WebSocket users", async () => {
  const server = await serverWith({ maxConnections: 1 });
  await ws(server);
  const second = await tcp(server);
  expectResponse(await second.next(), error("The server is full (1 connections). Try again later."));
});

test("a WebSocket that stops reading is dropped past --max-queue, and everyone else gets every message", async () => {
  const server = await serverWith({ maxQueueBytes: 64 * 1024, floodRate: 0 });
  const stuck = await rawWebSocket(server.web!.port);
  stuck.write(maskedTextFrame(JSON.stringify({ request: "login", content: "stuck" })));
  const sender = await tcp(server, "sender");
  const reader = await ws(server, "reader");
  await sender.next(); // reader joined
  sender.send({ request: "names", content: null });
  expectResponse(await sender.next(), { sender: "server", response: "info", content: "3 users in the chat: stuck, sender, reader" });
  stuck.pause();
  const text = "m".repeat(1000);
  const count = 8000; // 8 MB: more than the kernel buffers on loopback, plus the 64 KiB limit
  const readerNotices = noticesUntil(reader, count);
  const senderNotices: string[] = [];
  for (let i = 0; i < count; i += 100) {
    sender.sendRaw(Array.from({ length: 100 }, () => JSON.stringify({ request: "msg", content: text }) + "\n").join(""));
    senderNotices.push(...(await noticesUntil(sender, 100)));
  }
  expect(await readerNotices).toEqual(["stuck left the chat."]);
  expect(senderNotices).toEqual(["stuck left the chat."]);
  expect(reader.closed).toBe(false);
  const names = await tcp(server, "watcher");
  names.send({ request: "names", content: null });
  expectResponse(await names.next(), { sender: "server", response: "info", content: "3 users in the chat: sender, reader, watcher" });
});

/** Reads until `count` messages have arrived (each within 5 s); returns the notices that came between them. */
async function noticesUntil(peer: RawPeer | WsPeer, count: number): Promise<string[]> {
  const notices: string[] = [];
  for (let seen = 0; seen < count; ) {
    const response = await peer.next(5000);
    if (response.response === "message") seen++;
    else notices.push(response.content);
  }
  return notices;
}

/** A WebSocket client written by hand on a TCP socket, so it can stop reading (Bun's client always reads). */
async function rawWebSocket(port: number) {
  const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
  socket.write(
    [
      "GET /ws HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      `Origin: http://127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      "",
      "",
    ].join("\r\n"),
  );
  await Bun.sleep(50);
  peers.push({ close: () => socket.terminate() });
  return socket;
}

/** One client-to-server text frame (RFC 6455 §5.2: FIN, opcode 1, masked), for payloads under 126 bytes. */
function maskedTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const mask = [1, 2, 3, 4];
  return new Uint8Array([0x81, 0x80 | payload.length, ...mask, ...payload.map((byte, i) => byte ^ mask[i % 4]!)]);
}
