// Rooms on disk: rooms and their histories survive a restart; whispers are never stored.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loggedLines, storedRuns } from "../support/history.ts";
import { spawnServer } from "../support/process.ts";
import { RawPeer } from "../support/wire.ts";

const dir = mkdtempSync(join(tmpdir(), "ktn-rooms-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("rooms and their histories survive a restart, and whispers are never stored", async () => {
  const db = join(dir, "rooms.db");
  const first = await spawnServer(["--db", db]);
  const alice = await RawPeer.connect(first.port);
  await alice.login("alice");
  const bob = await RawPeer.connect(first.port);
  await bob.login("bob");
  await alice.next();
  alice.send({ request: "join", content: "Dev" });
  await alice.take(2);
  alice.send({ request: "msg", content: "kept in Dev" });
  const echo = await alice.next();
  alice.send({ request: "whisper", content: "bob a secret" });
  await alice.next();
  expect(await first.signal("SIGTERM")).toBe(0);

  const runs = storedRuns(db);
  expect(runs.map((run) => ({ room: run.room, lines: loggedLines(db, run) }))).toEqual([{ room: "dev", lines: [JSON.stringify(echo)] }]);
  expect(readFileSync(`${db}-messages-${runs[0]!.file}`, "utf8")).not.toContain("a secret");

  const second = await spawnServer(["--db", db]);
  const carol = await RawPeer.connect(second.port);
  const [, lobbyHistory] = await carol.login("carol");
  expect(lobbyHistory.content).toEqual([]);
  carol.send({ request: "rooms", content: null });
  expect((await carol.next()).content).toBe("2 rooms: lobby (1), Dev (0). You are in lobby.");
  carol.send({ request: "join", content: "dev" });
  const [moved, devHistory] = await carol.take(2);
  expect(moved.room).toBe("Dev");
  expect(devHistory.content).toEqual([JSON.stringify(echo)]);
  await second.signal("SIGTERM");
});
