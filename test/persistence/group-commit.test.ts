// Group commit: a turn's messages are kept in one append before anyone sees them, answers keep the
// order of requests, and a batch the disk refuses reaches nobody and is reported to its authors.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../ktn/server/engine/sqlite-store.ts";
import type { RoomMessage, Store } from "../../ktn/server/engine/store.ts";
import { loggedLines, storedRuns } from "../support/history.ts";
import { RawPeer, comparable, startTestServer } from "../support/wire.ts";

const dir = mkdtempSync(join(tmpdir(), "ktn-group-commit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The lines of `count` msg requests, sent in one write so that they arrive in one turn. */
function messages(prefix: string, count: number): string {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ request: "msg", content: `${prefix}${i}` }) + "\n").join("");
}

/** Records the size of every batch the store is asked to append, in order. */
function batchSizes(store: Store): number[] {
  const sizes: number[] = [];
  const append = store.appendMessages.bind(store);
  store.appendMessages = (batch: readonly RoomMessage[]) => {
    sizes.push(batch.length);
    append(batch);
  };
  return sizes;
}

test("a turn's messages go to disk in one append, and everyone sees them in history order", async () => {
  const store = openSqliteStore(join(dir, "batch.db"), 1000);
  const batches = batchSizes(store);
  const server = await startTestServer({ store, limits: { floodRate: 0 } });
  const peers = [];
  for (const name of ["alice", "bob", "carol"]) {
    const peer = await RawPeer.connect(server.port);
    await peer.login(name);
    peers.push(peer);
  }
  for (const peer of peers) await peer.drain();
  peers.forEach((peer, i) => peer.sendRaw(messages(`p${i}-`, 40)));
  const seen = await Promise.all(peers.map((peer) => peer.take(120)));
  const order = seen[0]!.map((response) => response.content);
  for (const responses of seen) expect(responses.map((response) => response.content)).toEqual(order);
  const ids = seen[0]!.map((response) => response.id);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(120);
  for (let i = 0; i < 3; i++) expect(order.filter((content) => content.startsWith(`p${i}-`))).toEqual(Array.from({ length: 40 }, (_, n) => `p${i}-${n}`));
  // One write of 40 requests is one read, one turn, one commit: never one commit per message.
  expect(Math.max(...batches)).toBeGreaterThanOrEqual(40);
  expect(batches.reduce((sum, size) => sum + size, 0)).toBe(120);

  const late = await RawPeer.connect(server.port);
  const [, history] = await late.login("dave");
  expect(history.content).toEqual(seen[0]!.map((response) => JSON.stringify(response)));
  for (const peer of [...peers, late]) peer.close();
  server.stop();
});

test("msg in capitals joins the turn's batch like msg, instead of waiting for each echo", async () => {
  const store = openSqliteStore(join(dir, "capitals.db"), 1000);
  const batches = batchSizes(store);
  const server = await startTestServer({ store, limits: { floodRate: 0 } });
  const alice = await RawPeer.connect(server.port);
  await alice.login("alice");
  alice.sendRaw(Array.from({ length: 30 }, (_, i) => JSON.stringify({ request: i % 2 ? "MSG" : "Msg", content: `c${i}` }) + "\n").join(""));
  const echoes = await alice.take(30);
  expect(echoes.map((response) => response.content)).toEqual(Array.from({ length: 30 }, (_, i) => `c${i}`));
  expect(Math.max(...batches)).toBe(30);
  alice.close();
  server.stop();
});

test("a request after a message is answered after its echo, in the order sent", async () => {
  const server = await startTestServer({ limits: { floodRate: 0 } });
  const alice = await RawPeer.connect(server.port);
  await alice.login("alice");
  const requests = [
    { request: "msg", content: "first" },
    { request: "msg", content: "  " },
    { request: "names", content: null },
    { request: "msg", content: "second" },
    { request: "join", content: "dev" },
    { request: "msg", content: "in dev" },
  ];
  alice.sendRaw(requests.map((request) => JSON.stringify(request) + "\n").join(""));
  const responses = (await alice.take(7)).map(comparable);
  expect(responses).toEqual([
    { sender: "alice", response: "message", content: "first" },
    { sender: "server", response: "error", content: "The message is empty. Usage: msg <message>" },
    { sender: "server", response: "info", content: "1 user in the chat: alice" },
    { sender: "alice", response: "message", content: "second" },
    { sender: "server", response: "info", content: "You are in dev now.", room: "dev" },
    { sender: "server", response: "history", content: [] },
    { sender: "alice", response: "message", content: "in dev" },
  ]);
  alice.close();
  server.stop();
});

test("a turn the disk refuses is delivered to nobody, each author is told, and the next one goes through", async () => {
  const path = join(dir, "full.db");
  const server = await startTestServer({ store: openSqliteStore(path, 1000), limits: { floodRate: 0 } });
  const alice = await RawPeer.connect(server.port);
  await alice.login("alice");
  const bob = await RawPeer.connect(server.port);
  await bob.login("bob");
  await alice.drain();
  // The log file the first message opens is a full disk: every write fails with ENOSPC.
  symlinkSync("/dev/full", `${path}-messages-1`);
  alice.sendRaw(messages("lost", 2));
  bob.send({ request: "msg", content: "lost too" });
  const refused = (reason: string) => ({ sender: "server", response: "error", content: `Your message was not sent: the server could not keep it in history (${reason}). Please try again.` });
  const full = "ENOSPC: no space left on device, writev";
  expect((await alice.take(2)).map(comparable)).toEqual([refused(full), refused(full)]);
  expect((await bob.take(1)).map(comparable)).toEqual([refused(full)]);
  expect(await alice.silentFor(100)).toBe(true);
  expect(await bob.silentFor(0)).toBe(true);
  unlinkSync(`${path}-messages-1`);

  alice.send({ request: "msg", content: "kept" });
  const echo = await alice.next();
  expect(comparable(echo)).toEqual({ sender: "alice", response: "message", content: "kept" });
  expect(await bob.next()).toEqual(echo);
  const late = await RawPeer.connect(server.port);
  const [, history] = await late.login("carol");
  expect(history.content).toEqual([JSON.stringify(echo)]);
  for (const peer of [alice, bob, late]) peer.close();
  server.stop();
});

test("a database another program holds locked does not hold messages up: they are delivered, and recorded once it lets go", async () => {
  const path = join(dir, "locked.db");
  const server = await startTestServer({ store: openSqliteStore(path, 1000), limits: { floodRate: 0 } });
  const alice = await RawPeer.connect(server.port);
  await alice.login("alice");
  const locker = new Database(path);
  locker.run("BEGIN IMMEDIATE");
  alice.sendRaw(messages("kept", 3));
  expect((await alice.take(3)).map((echo) => echo.content)).toEqual(["kept0", "kept1", "kept2"]);
  const stored = () => (locker.query("SELECT count(*) AS n FROM message_runs").get() as { n: number }).n;
  expect(stored()).toBe(0);
  locker.run("ROLLBACK");
  let runs = 0;
  for (let i = 0; i < 100 && runs === 0; i++) {
    await Bun.sleep(20);
    runs = stored();
  }
  locker.close();
  expect(storedRuns(path).flatMap((run) => loggedLines(path, run)).map((line) => JSON.parse(line).content)).toEqual(["kept0", "kept1", "kept2"]);
  alice.close();
  server.stop();
});
