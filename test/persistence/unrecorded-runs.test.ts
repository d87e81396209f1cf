// Unrecorded runs: the runs each append reports are merged and recorded as rows that point at exactly
// their messages' lines; runs let go for want of room are found again by scanning the log.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageLog } from "../../ktn/server/engine/message-log.ts";
import { RUN_BYTES } from "../../ktn/server/engine/message-runs.ts";
import { openSqliteStore } from "../../ktn/server/engine/sqlite-store.ts";
import type { RoomMessage } from "../../ktn/server/engine/store.ts";
import { MAX_UNRECORDED, UnrecordedRuns } from "../../ktn/server/engine/unrecorded-runs.ts";
import { loggedLines, storedIds, storedRuns } from "../support/history.ts";

const dir = mkdtempSync(join(tmpdir(), "ktn-unrecorded-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A history file with its schema (the store that made it closed again), its log, and a connection of the test's own. */
function history(name: string, logFileBytes?: number): { path: string; db: Database; messageLog: MessageLog } {
  const path = join(dir, name);
  openSqliteStore(path, 1).close();
  return { path, db: new Database(path, { strict: true }), messageLog: new MessageLog(path, logFileBytes) };
}

const message = (room: string, id: number): RoomMessage => ({ room, id, encoded: JSON.stringify({ room, id }) });

test("runs that go on in the same file and room become one row; another room, or a new file, starts the next", () => {
  const { path, db, messageLog } = history("merged.db", 140);
  const unrecorded = new UnrecordedRuns();
  const turns = [
    [message("lobby", 1), message("lobby", 2)],
    [message("lobby", 3)],
    [message("dev", 4), message("lobby", 5)],
    [message("lobby", 6), message("lobby", 7), message("lobby", 8), message("lobby", 9), message("lobby", 10)],
    [message("lobby", 11)],
  ];
  for (const turn of turns) unrecorded.add(messageLog.append(turn));
  unrecorded.record(db, path);
  expect(unrecorded.waiting).toBe(false);
  const runs = storedRuns(path);
  // 140-byte files: the first three turns take 148 bytes, so the fourth starts a new file.
  expect(runs.map((run) => [run.room, run.first, run.last])).toEqual([["lobby", 1, 3], ["dev", 4, 4], ["lobby", 5, 5], ["lobby", 6, 11]]);
  for (const run of runs) {
    const ids = Array.from({ length: run.last - run.first + 1 }, (_, i) => run.first + i);
    expect(loggedLines(path, run)).toEqual(ids.map((id) => JSON.stringify({ room: run.room, id })));
  }
  expect(Math.max(...runs.map((run) => run.bytes))).toBeLessThanOrEqual(RUN_BYTES);
  messageLog.close();
  db.close();
});

test("past MAX_UNRECORDED runs waiting, the rest are let go and found by a scan of the log when it records", () => {
  const { path, db, messageLog } = history("overflow.db");
  const unrecorded = new UnrecordedRuns();
  const total = MAX_UNRECORDED + 50;
  // Alternating rooms: no run joins the one before it.
  for (let id = 1; id <= total; id++) unrecorded.add(messageLog.append([message(id % 2 ? "lobby" : "dev", id)]));
  expect(unrecorded.waiting).toBe(true);
  unrecorded.record(db, path);
  expect(unrecorded.waiting).toBe(false);
  expect(storedIds(path)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  messageLog.close();
  db.close();
});
