// The store contract: every backend keeps messages in order and hands back the newest ones.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OPEN_BUSY_TIMEOUT_MS } from "../../ktn/server/engine/checkpointer.ts";
import { MIGRATIONS, openSqliteStore, SCHEMA_VERSION } from "../../ktn/server/engine/sqlite-store.ts";
import { MemoryStore, type Store } from "../../ktn/server/engine/store.ts";

const dir = mkdtempSync(join(tmpdir(), "ktn-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const backends: [string, (capacity: number) => Store][] = [
  ["MemoryStore", (capacity) => new MemoryStore(capacity)],
  ["SqliteStore", (capacity) => openSqliteStore(join(dir, `contract-${files++}.db`), capacity)],
];

for (const [name, open] of backends) {
  describe(name, () => {
    test("starts empty", () => {
      const store = open(5);
      expect(store.recentMessages("lobby", 5)).toEqual([]);
      store.close();
    });

    test("returns the newest messages, oldest first", () => {
      const store = open(100);
      for (let i = 0; i < 10; i++) store.appendMessages([{ room: "lobby", id: i + 1, encoded: `"m${i}"` }]);
      expect(store.recentMessages("lobby", 3)).toEqual(['"m7"', '"m8"', '"m9"']);
      expect(store.recentMessages("lobby", 50)).toHaveLength(10);
      store.close();
    });

    test("keeps each room's history apart, rooms matched case-insensitively", () => {
      const store = open(10);
      store.appendMessages([{ room: "lobby", id: 1, encoded: "in lobby" }]);
      store.saveRoom("Dev");
      store.appendMessages([{ room: "dev", id: 2, encoded: "in dev" }]);
      expect(store.recentMessages("lobby", 10)).toEqual(["in lobby"]);
      expect(store.recentMessages("DEV", 10)).toEqual(["in dev"]);
      expect(store.recentMessages("nowhere", 10)).toEqual([]);
      expect(store.roomNames()).toEqual(["lobby", "Dev"]);
      store.close();
    });

    test("a batch that mixes rooms keeps each room's messages in order", () => {
      const store = open(10);
      store.saveRoom("dev");
      store.appendMessages([
        { room: "lobby", id: 1, encoded: "l1" },
        { room: "dev", id: 2, encoded: "d2" },
        { room: "lobby", id: 3, encoded: "l3" },
        { room: "lobby", id: 4, encoded: "l4" },
      ]);
      expect(store.recentMessages("lobby", 10)).toEqual(["l1", "l3", "l4"]);
      expect(store.recentMessages("dev", 10)).toEqual(["d2"]);
      expect(store.lastMessageId()).toBe(4);
      store.close();
    });

    test("deletes the first, a middle and the last message of one batch, and only those", () => {
      const store = open(10);
      store.appendMessages([1, 2, 3, 4, 5].map((id) => ({ room: "lobby", id, encoded: `m${id}` })));
      expect(store.deleteMessage(3)).toBe("lobby");
      expect(store.deleteMessage(1)).toBe("lobby");
      expect(store.deleteMessage(5)).toBe("lobby");
      expect(store.deleteMessage(5)).toBeNull();
      expect(store.deleteMessage(6)).toBeNull();
      expect(store.recentMessages("lobby", 10)).toEqual(["m2", "m4"]);
      expect(store.lastMessageId()).toBe(5);
      store.close();
    });

    test("never returns more than its capacity, however many were appended", () => {
      const store = open(4);
      for (let i = 0; i < 25; i++) store.appendMessages([{ room: "lobby", id: i + 1, encoded: `m${i}` }]);
      expect(store.recentMessages("lobby", 100)).toEqual(["m21", "m22", "m23", "m24"]);
      store.close();
    });
  });
}

test("a new SQLite database gets the current schema version and WAL mode", () => {
  const path = join(dir, "fresh.db");
  openSqliteStore(path, 10).close();
  const db = new Database(path);
  expect((db.query("PRAGMA user_version").get() as any).user_version).toBe(SCHEMA_VERSION);
  expect((db.query("PRAGMA journal_mode").get() as any).journal_mode).toBe("wal");
  db.close();
});

test("the SQLite store keeps every message on disk, beyond what it replays", () => {
  const path = join(dir, "all.db");
  const store = openSqliteStore(path, 2);
  for (let i = 0; i < 6; i++) store.appendMessages([{ room: "lobby", id: i + 1, encoded: `m${i}` }]);
  store.close();
  const db = new Database(path);
  // The store's checkpoint thread may still be closing its connection, and the last to close checkpoints under a lock.
  db.run(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
  expect((db.query("SELECT sum(last_id - first_id + 1) AS n FROM message_runs").get() as any).n).toBe(6);
  db.close();
  const reopened = openSqliteStore(path, 3);
  expect(reopened.recentMessages("lobby", 3)).toEqual(["m3", "m4", "m5"]);
  reopened.close();
});

test("deletes inside a stored batch survive a reopen, and the ids after them are read back", () => {
  const path = join(dir, "runs.db");
  const store = openSqliteStore(path, 10);
  store.appendMessages([1, 2, 3, 4, 5, 6].map((id) => ({ room: "lobby", id, encoded: `m${id}` })));
  store.deleteMessage(3);
  store.deleteMessage(6);
  store.close();
  const reopened = openSqliteStore(path, 10);
  expect(reopened.recentMessages("lobby", 10)).toEqual(["m1", "m2", "m4", "m5"]);
  expect(reopened.lastMessageId()).toBe(6);
  expect(reopened.deleteMessage(4)).toBe("lobby");
  expect(reopened.recentMessages("lobby", 10)).toEqual(["m1", "m2", "m5"]);
  reopened.close();
});

/** A database as a server of schema `version` left it. */
function databaseOfSchema(path: string, version: number): Database {
  const old = new Database(path, { create: true });
  for (const statement of MIGRATIONS.slice(0, version).flat()) old.run(statement);
  old.run(`PRAGMA user_version = ${version}`);
  return old;
}

test("a database of schema 3 (a row per message) is upgraded with its history intact", () => {
  const path = join(dir, "v3.db");
  const old = databaseOfSchema(path, 3);
  const insert = old.query("INSERT INTO messages (id, room, encoded) VALUES (?, ?, ?)");
  for (let id = 1; id <= 5; id++) insert.run(id, id % 2 ? "lobby" : "dev", `m${id}`);
  old.run("INSERT INTO deleted_messages (id) VALUES (6)");
  old.close();
  const store = openSqliteStore(path, 2);
  expect(store.recentMessages("lobby", 2)).toEqual(["m3", "m5"]);
  expect(store.recentMessages("dev", 2)).toEqual(["m2", "m4"]);
  expect(store.lastMessageId()).toBe(6);
  expect(store.deleteMessage(3)).toBe("lobby");
  expect(store.recentMessages("lobby", 2)).toEqual(["m1", "m5"]);
  store.close();
});

test("a database of schema 4 (runs holding their lines) is upgraded, read and deleted from, and takes new messages into the log", () => {
  const path = join(dir, "v4.db");
  const old = databaseOfSchema(path, 4);
  const insert = old.query("INSERT INTO message_runs (first_id, last_id, room, encoded) VALUES (?, ?, ?, ?)");
  insert.run(1, 3, "lobby", "m1\nm2\nm3");
  insert.run(4, 4, "dev", "d4");
  old.close();
  const store = openSqliteStore(path, 10);
  expect(store.recentMessages("lobby", 10)).toEqual(["m1", "m2", "m3"]);
  expect(store.deleteMessage(2)).toBe("lobby");
  expect(store.deleteMessage(2)).toBeNull();
  expect(store.lastMessageId()).toBe(4);
  store.appendMessages([{ room: "lobby", id: 5, encoded: "m5" }]);
  store.close();
  expect(SCHEMA_VERSION).toBe(5);
  const reopened = openSqliteStore(path, 10);
  expect(reopened.recentMessages("lobby", 10)).toEqual(["m1", "m3", "m5"]);
  expect(reopened.recentMessages("dev", 10)).toEqual(["d4"]);
  reopened.close();
});
