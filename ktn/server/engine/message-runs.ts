// Message runs: how the history file keeps messages, a row per run of one room's messages with
// consecutive ids (a turn's, usually), so a turn costs one row to insert, not a row and an index entry per message.
import type { Database } from "bun:sqlite";
import type { RoomMessage } from "./store.ts";

/** Rows per INSERT statement: one statement for many rows costs far less than one per row. */
const ROWS_PER_INSERT = 32;

/**
 * Messages per run at most: the log applier takes many turns at once, and a delete rewrites its
 * message's whole run, so runs stay small enough to rewrite.
 */
export const MAX_RUN = 64;

/**
 * Messages of one room with consecutive ids, as one row. Stored forms are JSON, which never holds a
 * raw newline, so the run's `encoded` is theirs joined by newlines: line i is message first + i.
 */
export interface Run {
  first: number;
  last: number;
  room: string;
  encoded: string;
}

export const LINE = "\n";

/** The batch as runs, in order: consecutive messages of one room are one run, up to MAX_RUN of them. */
export function runsOf(batch: readonly RoomMessage[]): Run[] {
  const runs: Run[] = [];
  let run: Run | null = null;
  for (const { room, id, encoded } of batch) {
    if (run !== null && run.room === room && run.last + 1 === id && id - run.first < MAX_RUN) {
      run.last = id;
      run.encoded += LINE + encoded;
    } else runs.push((run = { first: id, last: id, room, encoded }));
  }
  return runs;
}

export type RunInserter = (runs: readonly Run[]) => void;

/** Appends runs on `db` in one transaction, all or none. */
export function runInserter(db: Database): RunInserter {
  const insert = (rows: number) => db.query(`INSERT INTO message_runs (first_id, last_id, room, encoded) VALUES ${Array(rows).fill("(?, ?, ?, ?)").join(", ")}`);
  const full = insert(ROWS_PER_INSERT);
  return db.transaction((runs: readonly Run[]) => {
    for (let first = 0; first < runs.length; first += ROWS_PER_INSERT) {
      const rows = Math.min(ROWS_PER_INSERT, runs.length - first);
      const values: (string | number)[] = new Array(rows * 4);
      for (let i = 0; i < rows; i++) {
        const run = runs[first + i]!;
        values[i * 4] = run.first;
        values[i * 4 + 1] = run.last;
        values[i * 4 + 2] = run.room;
        values[i * 4 + 3] = run.encoded;
      }
      (rows === ROWS_PER_INSERT ? full : insert(rows)).run(...values);
    }
  });
}

/** The highest message id the database has handed out: stored, or deleted (never handed out again). */
export function lastStoredId(db: Database): number {
  // Runs never overlap, so the newest run (the greatest first_id, a key) ends at the greatest id: no scan.
  const sql = "SELECT max(coalesce((SELECT last_id FROM message_runs ORDER BY first_id DESC LIMIT 1), 0), coalesce((SELECT max(id) FROM deleted_messages), 0)) AS id";
  return (db.query(sql).get() as { id: number }).id;
}
