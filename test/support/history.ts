// A history file's message runs and the log lines they point at, read raw on the test's own
// connection and file reads, not through the store under test.
import { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import { OPEN_BUSY_TIMEOUT_MS } from "../../ktn/server/engine/checkpointer.ts";
import type { LoggedRun } from "../../ktn/server/engine/message-runs.ts";

/** A run as the database file holds it, for runs recorded from the log. */
export type StoredRun = LoggedRun;

/** The runs the database file holds, oldest first. */
export function storedRuns(path: string): StoredRun[] {
  const db = new Database(path, { readonly: true });
  // The store's checkpoint thread may still be closing its connection, and the last to close checkpoints under a lock.
  db.run(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
  try {
    return db.query("SELECT first_id AS first, last_id AS last, room, file, at, bytes FROM message_runs ORDER BY first_id").all() as StoredRun[];
  } finally {
    db.close();
  }
}

/** Every message id the runs hold. */
export function storedIds(path: string): number[] {
  return storedRuns(path).flatMap((run) => Array.from({ length: run.last - run.first + 1 }, (_, i) => run.first + i));
}

/** The JSON lines a run's bytes in its log file hold (its run lines and erased lines left out). */
export function loggedLines(path: string, run: StoredRun): string[] {
  const text = readFileSync(`${path}-messages-${run.file}`).subarray(run.at, run.at + run.bytes).toString("utf8");
  return text.split("\n").filter((line) => line.startsWith("{"));
}
