// The message log: how the history file takes a turn's messages, one append to a plain file, ahead of
// the database. A thread (./log-applier.ts) moves what is appended into the database's message runs.
//
// Why: for a one-message turn a SQLite commit costs the event loop 11.5 µs at the median and 57 µs
// at p99 (six file locks and two WAL pages per commit); one write() of the turn's lines costs 1.7 and
// 8 µs (bench/append-cost.ts). Once write() returns the lines are the kernel's, so a message whose echo
// its author has seen survives the server being killed (-9 included), as a WAL commit with
// `synchronous = NORMAL` does; power loss can take the last of either.
//
// The log is a series of files beside the database, `<db>-messages-<first id>`: the event loop appends
// to the newest and starts the next one past LOG_FILE_BYTES. A turn is written as runs: a line
// `<room> <first id>` (room names are letters and digits), then the run's messages, one JSON line each,
// with consecutive ids (JSON holds no raw newline, and no JSON text looks like a run's line). Those lines are the
// very bytes the turn sends to its rooms, so the append builds nothing per message. Ids only grow, so
// applying a line is idempotent: a message whose id the database already has (stored or deleted) is
// skipped. That lets the thread, a delete and a restart all apply the same files, in any interleaving,
// without losing or doubling a message.
import type { Database } from "bun:sqlite";
import { closeSync, fstatSync, ftruncateSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeFileSync, writeSync, writevSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { log } from "../log.ts";
import { lastStoredId, runsOf, type RunInserter } from "./message-runs.ts";
import type { RoomMessage } from "./store.ts";

/** Past this size the event loop starts a new file, so applied ones can be removed. */
export const LOG_FILE_BYTES = 8 * 1024 * 1024;

const NEWLINE = 10;

/** The log's files for database `db`, oldest first. */
export function logFiles(db: string): string[] {
  const prefix = `${basename(db)}-messages-`;
  const dir = dirname(db);
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => join(dir, name))
    .sort((a, b) => firstIdOf(a) - firstIdOf(b));
}

/** A log file is named after the first id it holds. */
function firstIdOf(file: string): number {
  return Number(file.slice(file.lastIndexOf("-") + 1));
}

/**
 * Makes this process the one that keeps history in `db`, by a file holding its pid: two servers
 * appending to one log would hand out the same ids. A claim whose process is gone (killed) is taken over.
 */
export function claimHistory(db: string): void {
  const claim = `${db}-messages.pid`;
  try {
    writeFileSync(claim, String(process.pid), { flag: "wx" });
    return;
  } catch (failure) {
    if ((failure as NodeJS.ErrnoException).code !== "EEXIST") throw failure;
  }
  const owner = Number(readFileSync(claim, "utf8"));
  if (owner !== process.pid && isAlive(owner)) {
    throw new Error(`in use by process ${owner} (${claim}); stop that server or choose another --db`);
  }
  writeFileSync(claim, String(process.pid));
}

export function releaseHistory(db: string): void {
  removeIfThere(`${db}-messages.pid`);
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (failure) {
    return (failure as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** A killed process whose parent has not reaped it yet still answers kill(pid, 0), but keeps nothing. */
function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") ?? false;
  } catch {
    return false;
  }
}

/** The event loop's end of the log: appends whole turns, all of a turn's lines or none. */
export class MessageLog {
  private fd: number | null = null;
  private size = 0;

  constructor(
    private readonly db: string,
    private readonly fileBytes = LOG_FILE_BYTES,
  ) {}

  append(batch: readonly RoomMessage[]): void {
    const parts: Uint8Array[] = [];
    for (let start = 0, end = 1; start < batch.length; start = end++) {
      while (end < batch.length && batch[end]!.room === batch[start]!.room && batch[end]!.id === batch[end - 1]!.id + 1) end++;
      parts.push(Buffer.from(`${batch[start]!.room} ${batch[start]!.id}\n`), linesOf(batch, start, end));
    }
    const fd = this.fileFor(batch[0]!.id);
    try {
      this.size += writeParts(fd, parts);
    } catch (failure) {
      this.abandonFile();
      throw failure;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private fileFor(firstId: number): number {
    if (this.fd !== null && this.size < this.fileBytes) return this.fd;
    this.close();
    // Truncating: a file of this name can only exist if its first turn was refused, so it holds nothing kept.
    this.fd = openSync(`${this.db}-messages-${firstId}`, "w");
    this.size = 0;
    return this.fd;
  }

  /** After a failed write: cut any part of the turn that got in, and open a fresh file next turn. */
  private abandonFile(): void {
    try {
      ftruncateSync(this.fd!, this.size);
    } catch {}
    this.size = this.fileBytes;
  }
}

/** The lines of messages start to end as one span: a view of their turn's buffer where they lie end to end in it. */
function linesOf(batch: readonly RoomMessage[], start: number, end: number): Uint8Array {
  const first = batch[start]!.line;
  let length = 0;
  for (let i = start; i < end && first; i++) {
    const line = batch[i]!.line;
    if (!line || line.buffer !== first.buffer || line.byteOffset !== first.byteOffset + length) break;
    length += line.length;
    if (i === end - 1) return new Uint8Array(first.buffer, first.byteOffset, length);
  }
  return Buffer.from(batch.slice(start, end).map((message) => `${message.encoded}\n`).join(""));
}

/** Writes every part, in order, in one writev when it takes them all; returns the bytes written. */
function writeParts(fd: number, parts: Uint8Array[]): number {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  // Past IOV_MAX (1024 on Linux) writev refuses; a turn that spans that many runs is written as one copy.
  let written = parts.length <= 512 ? writevSync(fd, parts) : 0;
  if (written < total) {
    const rest = Buffer.concat(parts).subarray(written);
    for (let at = 0; at < rest.length; ) at += writeSync(fd, rest, at);
  }
  return total;
}

/** What a file held that could be read: its complete lines, and how many bytes those took. */
export interface LogText {
  lines: string[];
  bytes: number;
}

/** The complete lines of `file` from byte `from`; a line still being written is left for later. */
export function readLog(file: string, from = 0): LogText {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (failure) {
    // Removed by whoever applied it last: everything it held is in the database.
    if ((failure as NodeJS.ErrnoException).code === "ENOENT") return { lines: [], bytes: 0 };
    throw failure;
  }
  try {
    const data = Buffer.allocUnsafe(Math.max(0, fstatSync(fd).size - from));
    let read = 0;
    while (read < data.length) {
      const got = readSync(fd, data, read, data.length - read, from + read);
      if (got === 0) break;
      read += got;
    }
    const bytes = read === 0 ? 0 : data.lastIndexOf(NEWLINE, read - 1) + 1;
    return bytes === 0 ? { lines: [], bytes: 0 } : { lines: data.toString("utf8", 0, bytes - 1).split("\n"), bytes };
  } finally {
    closeSync(fd);
  }
}

/**
 * The messages of log lines, in order. A line outside a run is reported and skipped; so is one with
 * NUL bytes (what a power loss can leave in a file), and it ends its run, whose ids can no longer be told.
 */
export function parseLog(lines: readonly string[], file: string): RoomMessage[] {
  const messages: RoomMessage[] = [];
  let run: { room: string; next: number } | null = null;
  for (const line of lines) {
    if (RUN_HEADER.test(line)) run = { room: line.slice(0, line.indexOf(" ")), next: Number(line.slice(line.indexOf(" ") + 1)) };
    else if (run !== null && !line.includes("\0")) messages.push({ room: run.room, id: run.next++, encoded: line });
    else {
      log.warn(`${file}: skipped a line that is not part of a logged run: ${JSON.stringify(line.slice(0, 80))}`);
      run = null;
    }
  }
  return messages;
}

const RUN_HEADER = /^[A-Za-z0-9]+ [1-9][0-9]{0,15}$/;

/** Stores the messages the database lacks, in one transaction that also decides which those are. */
export function applyLogged(db: Database, insertRuns: RunInserter, messages: readonly RoomMessage[]): void {
  if (messages.length === 0) return;
  db.transaction(() => {
    const stored = lastStoredId(db);
    insertRuns(runsOf(messages.filter((message) => message.id > stored)));
  }).immediate();
}

/**
 * Applies every file of the log, oldest first; with `remove`, deletes them after (nobody may be
 * appending). Each file is at most LOG_FILE_BYTES and a turn.
 */
export function applyLog(db: Database, insertRuns: RunInserter, path: string, { remove = false } = {}): void {
  for (const file of logFiles(path)) {
    applyLogged(db, insertRuns, parseLog(readLog(file).lines, file));
    if (remove) removeIfThere(file);
  }
}

/** Removes a file that another may have removed already (the applier and a close both remove finished log files). */
export function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (failure) {
    if ((failure as NodeJS.ErrnoException).code !== "ENOENT") throw failure;
  }
}
