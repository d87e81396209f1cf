// The message log: messages reach the history file by one append per turn and stay in the log; the
// database records where each run of them lies, a few times a second; a log left by a killed server is
// recorded once at the next open.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logFiles } from "../../ktn/server/engine/message-log.ts";
import { RUN_BYTES } from "../../ktn/server/engine/message-runs.ts";
import { openSqliteStore } from "../../ktn/server/engine/sqlite-store.ts";
import { loggedLines, storedIds, storedRuns } from "../support/history.ts";
import { RawPeer, startTestServer } from "../support/wire.ts";

const dir = mkdtempSync(join(tmpdir(), "ktn-message-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls `done` every 20 ms, at most 100 times. */
async function within2s(done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !done(); i++) await Bun.sleep(20);
  return done();
}

test("echoed messages are recorded within moments, in runs of at most RUN_BYTES that point at their very lines", async () => {
  const path = join(dir, "applied.db");
  const server = await startTestServer({ store: openSqliteStore(path, 1000), limits: { floodRate: 0 } });
  const alice = await RawPeer.connect(server.port);
  await alice.login("alice");
  const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ request: "msg", content: `m${i}` }) + "\n");
  alice.sendRaw(lines.join(""));
  const echoes = await alice.take(200);
  expect(await within2s(() => storedIds(path).length === 200)).toBe(true);
  const runs = storedRuns(path);
  expect(storedIds(path)).toEqual(echoes.map((echo) => echo.id));
  expect(runs.flatMap((run) => loggedLines(path, run))).toEqual(echoes.map((echo) => JSON.stringify(echo)));
  expect(Math.max(...runs.map((run) => run.bytes))).toBeLessThanOrEqual(RUN_BYTES);
  alice.close();
  server.stop();
});

test("a log left behind is recorded at the next open, once, skipping what the database has and lines that are not messages", () => {
  const path = join(dir, "left.db");
  const store = openSqliteStore(path, 10);
  store.appendMessages([{ room: "lobby", id: 1, encoded: "m1" }]);
  store.close();
  // As a killed server leaves it: id 1 again (recorded already), a stray line, NUL bytes from a power
  // loss (the rest of that run cannot be numbered), a last line cut short; and, as only damage leaves
  // them, ids that continue right after NUL bytes and an id that goes back.
  writeFileSync(`${path}-messages-2`, "a stray line\nlobby 1\nm1\nm2\ndev 3\nd3\n");
  writeFileSync(`${path}-messages-4`, "lobby 4\nm4\nm5\n\0\0\0\0\nlost\nlobby 7\nm7\nm8-cut-sh");
  writeFileSync(`${path}-messages-9`, "lobby 9\nm9\n\0\0\nlobby 10\nm10\nm11\nlobby 10\nm10 again\nlobby 12\nm12\n");
  const lobby = ["m1", "m2", "m4", "m5", "m7", "m9", "m10", "m11", "m12"];
  const reopened = openSqliteStore(path, 10);
  expect(reopened.recentMessages("lobby", 10)).toEqual(lobby);
  expect(reopened.recentMessages("dev", 10)).toEqual(["d3"]);
  expect(reopened.lastMessageId()).toBe(12);
  reopened.close();
  const ids = [1, 2, 3, 4, 5, 7, 9, 10, 11, 12];
  expect(storedIds(path)).toEqual(ids);
  // Read back from the runs alone (no cache), each run holds exactly its own messages.
  const again = openSqliteStore(path, 10);
  expect(again.recentMessages("lobby", 10)).toEqual(lobby);
  expect(again.deleteMessage(12)).toBe("lobby");
  expect(again.recentMessages("lobby", 10)).toEqual(lobby.slice(0, -1));
  again.close();
  expect(storedIds(path)).toEqual(ids);
});

test("past its size the log moves to a new file, and every file is recorded, the newest included", async () => {
  const path = join(dir, "rotated.db");
  const store = openSqliteStore(path, 1000, 1024);
  let id = 0;
  const encoded = (n: number) => `${n} ${"x".repeat(100)}`;
  for (let batch = 0; batch < 6; batch++) store.appendMessages(Array.from({ length: 10 }, () => ({ room: "lobby", id: ++id, encoded: encoded(id) })));
  expect(logFiles(path).length).toBeGreaterThanOrEqual(5);
  expect(await within2s(() => storedIds(path).length === 60)).toBe(true);
  expect(new Set(storedRuns(path).map((run) => run.file)).size).toBe(logFiles(path).length);
  store.close();
  const reopened = openSqliteStore(path, 1000);
  expect(reopened.recentMessages("lobby", 1000)).toEqual(Array.from({ length: 60 }, (_, i) => encoded(i + 1)));
  reopened.close();
});

test("a delete finds a message not recorded yet, and takes its bytes out of the log for good", () => {
  const path = join(dir, "delete.db");
  const store = openSqliteStore(path, 10);
  store.appendMessages([1, 2, 3].map((id) => ({ room: "lobby", id, encoded: `{"m":"secret ${id}"}` })));
  expect(store.deleteMessage(2)).toBe("lobby");
  expect(store.deleteMessage(2)).toBeNull();
  expect(store.recentMessages("lobby", 10)).toEqual(['{"m":"secret 1"}', '{"m":"secret 3"}']);
  store.close();
  const log = readFileSync(`${path}-messages-1`, "utf8");
  expect(log).not.toContain("secret 2");
  expect(log).toContain("secret 3");
  const reopened = openSqliteStore(path, 10);
  expect(reopened.recentMessages("lobby", 10)).toEqual(['{"m":"secret 1"}', '{"m":"secret 3"}']);
  expect(reopened.lastMessageId()).toBe(3);
  reopened.close();
});

test("after a delete, history still holds the room's messages in newer log files not recorded yet", () => {
  const path = join(dir, "delete-rotated.db");
  // 1024-byte files: the 30 messages span several files, all appended before the first recording.
  const store = openSqliteStore(path, 1000, 1024);
  let id = 0;
  for (let batch = 0; batch < 3; batch++) store.appendMessages(Array.from({ length: 10 }, () => ({ room: "lobby", id: ++id, encoded: `m${id} ${"x".repeat(100)}` })));
  expect(logFiles(path).length).toBeGreaterThanOrEqual(3);
  expect(store.deleteMessage(2)).toBe("lobby");
  const expected = Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => n !== 2).map((n) => `m${n} ${"x".repeat(100)}`);
  expect(store.recentMessages("lobby", 1000)).toEqual(expected);
  store.appendMessages([{ room: "lobby", id: 31, encoded: "m31" }]);
  expect(store.recentMessages("lobby", 1000)).toEqual([...expected, "m31"]);
  store.close();
});
