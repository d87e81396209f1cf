// Message runs: how the history file finds its messages. A row per run of one room's messages with
// consecutive ids says where in the message log (./message-log.ts) their lines lie, so recording a
// turn costs one small row, not a copy of every message. Rows from before the log kept the lines
// themselves (`encoded`); both kinds are read the same way.
import type { Database } from "bun:sqlite";
import { eraseRange, isErased, logFile, readRange, scanLog, type RunState } from "./message-log.ts";

/** A run as the log holds it: messages first to last of `room`, in `bytes` bytes at `at` of log file `file` (named by its first id). */
export interface LoggedRun {
  first: number;
  last: number;
  room: string;
  file: number;
  at: number;
  bytes: number;
}

/** A row of message_runs: a logged run, or one stored before the log with its lines joined by newlines in `encoded`. */
export type Run = Pick<LoggedRun, "first" | "last" | "room"> & ({ encoded: string; file: null } | (LoggedRun & { encoded: null }));

/** A run row's bytes at most: a cold history read or a delete reads a whole row. */
export const RUN_BYTES = 64 * 1024;

/**
 * Extends `last` by `run` when `run` goes on where `last` stopped (the same file and room, the next id)
 * and both together stay within RUN_BYTES; true when it did. Only the caller knows that nothing but a
 * run line lies between them in the log.
 */
export function joinRun(last: LoggedRun | null, run: LoggedRun): boolean {
  if (last === null || last.file !== run.file || last.room !== run.room || last.last + 1 !== run.first) return false;
  if (run.at + run.bytes - last.at > RUN_BYTES) return false;
  last.last = run.last;
  last.bytes = run.at + run.bytes - last.at;
  return true;
}

/** Rows per INSERT statement: one statement for many rows costs far less than one per row. */
const ROWS_PER_INSERT = 32;

/** Records runs on `db`; the caller holds the transaction. */
export function insertRuns(db: Database, runs: readonly LoggedRun[]): void {
  for (let first = 0; first < runs.length; first += ROWS_PER_INSERT) {
    const rows = runs.slice(first, first + ROWS_PER_INSERT);
    // db.query keeps each distinct statement compiled: there are at most ROWS_PER_INSERT of them.
    const sql = `INSERT INTO message_runs (first_id, last_id, room, file, at, bytes) VALUES ${Array(rows.length).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`;
    db.query(sql).run(...rows.flatMap((run) => [run.first, run.last, run.room, run.file, run.at, run.bytes]));
  }
}

/** The highest message id the database has handed out: stored, or deleted (never handed out again). */
export function lastStoredId(db: Database): number {
  // Runs never overlap, so the newest run (the greatest first_id, a key) ends at the greatest id: no scan.
  const sql = "SELECT max(coalesce((SELECT last_id FROM message_runs ORDER BY first_id DESC LIMIT 1), 0), coalesce((SELECT max(id) FROM deleted_messages), 0)) AS id";
  return (db.query(sql).get() as { id: number }).id;
}

/** Where recording the log goes on: just past the newest logged run, inside its run; null when no run is logged. */
export function resumePoint(db: Database): { file: number; at: number; run: RunState } | null {
  const sql = "SELECT file, at + bytes + 1 AS at, room, last_id + 1 AS next FROM message_runs WHERE file IS NOT NULL ORDER BY first_id DESC LIMIT 1";
  const row = db.query(sql).get() as { file: number; at: number; room: string; next: number } | null;
  return row && { file: row.file, at: row.at, run: { room: row.room, next: row.next } };
}

/** A run's lines as they lie on disk: its log file's bytes, or the row's own. */
function bytesOf(db: string, run: Run): Buffer {
  return run.file === null ? Buffer.from(run.encoded) : readRange(logFile(db, run.file), run.at, run.bytes);
}

/** Where message `id`'s line lies in `lines`, and whether it is there at all (a line, not erased). */
function lineOf(run: Run, lines: Buffer, id: number): { start: number; end: number } | null {
  let found: { start: number; end: number } | null = null;
  scanLog(lines, { room: run.room, next: run.first }, (_room, at, start, end) => {
    if (at === id && !isErased(lines, start, end)) found = { start, end };
  }, `run ${run.first}`);
  return found;
}

/** The messages of a run that are still there, oldest first. */
export function messagesOf(db: string, run: Run): { id: number; encoded: string }[] {
  const lines = bytesOf(db, run);
  const messages: { id: number; encoded: string }[] = [];
  scanLog(lines, { room: run.room, next: run.first }, (_room, id, start, end) => {
    if (id <= run.last && !isErased(lines, start, end)) messages.push({ id, encoded: lines.toString("utf8", start, end) });
  }, `run ${run.first}`);
  return messages;
}

/**
 * Takes message `id` out of its run for good: its line is overwritten with spaces in the log, or
 * emptied in a row of its own; every other line keeps its place. False when it is not there.
 */
export function eraseMessage(db: Database, run: Run, id: number): boolean {
  const lines = bytesOf(db.filename, run);
  const line = lineOf(run, lines, id);
  if (line === null) return false;
  if (run.file !== null) eraseRange(logFile(db.filename, run.file), run.at + line.start, run.at + line.end);
  else {
    const encoded = Buffer.concat([lines.subarray(0, line.start), lines.subarray(line.end)]).toString("utf8");
    db.query("UPDATE message_runs SET encoded = ? WHERE first_id = ?").run(encoded, run.first);
  }
  return true;
}
