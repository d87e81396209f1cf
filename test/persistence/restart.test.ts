// Persistence: history survives restarts and SIGKILL, and a database we cannot trust stops start-up.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCHEMA_VERSION } from "../../ktn/server/engine/sqlite-store.ts";
import { spawnServer } from "../support/process.ts";
import { RawPeer, comparable } from "../support/wire.ts";

const dir = mkdtempSync(join(tmpdir(), "ktn-persist-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERVER = join(import.meta.dir, "..", "..", "server.ts");

async function historyOf(port: number, name: string): Promise<any[]> {
  const peer = await RawPeer.connect(port);
  const [, history] = await peer.login(name);
  peer.close();
  return history.content.map((entry: string) => JSON.parse(entry));
}

test("history survives a restart on the same database file", async () => {
  const db = join(dir, "restart.db");
  const first = await spawnServer(["--db", db]);
  const alice = await RawPeer.connect(first.port);
  await alice.login("alice");
  alice.send({ request: "msg", content: "before the restart" });
  const echo = await alice.next();
  expect(await first.signal("SIGTERM")).toBe(0);

  const second = await spawnServer(["--db", db]);
  const history = await historyOf(second.port, "bob");
  expect(history).toEqual([echo]);
  expect(comparable(history[0])).toEqual({ sender: "alice", response: "message", content: "before the restart" });
  expect(second.log()).toContain(`history is kept in ${db}`);
  await second.signal("SIGTERM");
});

test("after SIGKILL mid-stream, history holds every echoed message in order with no duplicates", async () => {
  const db = join(dir, "kill.db");
  const server = await spawnServer(["--db", db, "--flood-rate", "0"]);
  const author = await RawPeer.connect(server.port);
  await author.login("author");
  const echoed: string[] = [];
  // Keep up to 8 messages in flight and kill the server while they stream.
  let sent = 0;
  const killAt = 300 + Math.floor(Math.random() * 300);
  for (let i = 0; i < 2000 && !author.closed; i++) {
    while (sent - echoed.length < 8 && sent < 5000) author.send({ request: "msg", content: `n${sent++}` });
    if (echoed.length >= killAt) server.kill();
    try {
      echoed.push((await author.next(1000)).content);
    } catch {
      break;
    }
  }
  expect(echoed.length).toBeGreaterThanOrEqual(killAt);
  const restarted = await spawnServer(["--db", db, "--history", "10000"]);
  const stored = (await historyOf(restarted.port, "checker")).map((m) => m.content);
  // Everything echoed is stored, in order; at most the in-flight few beyond it; never a duplicate.
  expect(stored.slice(0, echoed.length)).toEqual(echoed);
  expect(stored.length - echoed.length).toBeLessThanOrEqual(8);
  expect(new Set(stored).size).toBe(stored.length);
  expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => `n${i}`));
  await restarted.signal("SIGTERM");
});

test("--history N replays only the newest N stored messages after a restart", async () => {
  const db = join(dir, "limit.db");
  const first = await spawnServer(["--db", db, "--flood-rate", "0"]);
  const alice = await RawPeer.connect(first.port);
  await alice.login("alice");
  for (let i = 0; i < 10; i++) alice.send({ request: "msg", content: `m${i}` });
  await alice.take(10);
  await first.signal("SIGTERM");
  const second = await spawnServer(["--db", db, "--history", "3"]);
  expect((await historyOf(second.port, "bob")).map((m) => m.content)).toEqual(["m7", "m8", "m9"]);
  await second.signal("SIGTERM");
});

test("--db :memory: keeps nothing across restarts", async () => {
  const first = await spawnServer(["--db", ":memory:"]);
  const alice = await RawPeer.connect(first.port);
  await alice.login("alice");
  alice.send({ request: "msg", content: "gone" });
  await alice.next();
  expect(first.log()).toContain("history is kept in memory only");
  await first.signal("SIGTERM");
  const second = await spawnServer(["--db", ":memory:"]);
  expect(await historyOf(second.port, "bob")).toEqual([]);
  await second.signal("SIGTERM");
});

async function startFailure(db: string): Promise<{ code: number; stderr: string }> {
  const proc = Bun.spawn(["bun", SERVER, "--port", "0", "--host", "127.0.0.1", "--http-port", "off", "--db", db], { stdout: "ignore", stderr: "pipe" });
  const code = await Promise.race([proc.exited, Bun.sleep(10_000).then(() => (proc.kill(), -1))]);
  return { code, stderr: await new Response(proc.stderr).text() };
}

test("a database path that cannot be opened stops start-up with a message naming it", async () => {
  const db = join(dir, "missing-dir", "x.db");
  const { code, stderr } = await startFailure(db);
  expect(code).toBe(1);
  expect(stderr).toContain(`Cannot start: cannot open database ${db}`);
});

test("a second server on a history file in use stops start-up naming the first; a claim whose process is gone is taken over", async () => {
  const db = join(dir, "claimed.db");
  const first = await spawnServer(["--db", db]);
  const { code, stderr } = await startFailure(db);
  expect(code).toBe(1);
  expect(stderr).toContain(`Cannot start: cannot use database ${db}: in use by process ${first.pid} (${db}-messages.pid)`);
  // SIGKILL leaves the claim behind; its process is gone, so the next server takes it over.
  await first.signal("SIGKILL");
  expect(readFileSync(`${db}-messages.pid`, "utf8")).toBe(String(first.pid));
  const second = await spawnServer(["--db", db]);
  expect(readFileSync(`${db}-messages.pid`, "utf8")).toBe(String(second.pid));
  expect(await second.signal("SIGTERM")).toBe(0);
  expect(existsSync(`${db}-messages.pid`)).toBe(false);
});

test("a file that is not a database stops start-up and is left untouched", async () => {
  const db = join(dir, "notes.txt");
  const text = "my precious notes, not a database\n".repeat(200);
  writeFileSync(db, text);
  const { code, stderr } = await startFailure(db);
  expect(code).toBe(1);
  expect(stderr).toContain(`Cannot start: cannot use database ${db}: file is not a database`);
  expect(readFileSync(db, "utf8")).toBe(text);
});

test("a database with a newer schema stops start-up instead of being reused", async () => {
  const db = join(dir, "future.db");
  const future = new Database(db, { create: true });
  future.run("PRAGMA user_version = 99");
  future.close();
  const { code, stderr } = await startFailure(db);
  expect(code).toBe(1);
  expect(stderr).toContain(`database ${db} has schema version 99, newer than this server knows (${SCHEMA_VERSION})`);
});
