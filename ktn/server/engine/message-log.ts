// The message log: how the history file keeps messages. A turn's messages go to disk in one append to a
// plain file beside the database, and stay there: the database only records where each run of a room's
// messages lies (./message-runs.ts), from what each append reports it wrote.
//
// Why: for a one-message turn a SQLite commit costs the event loop 11.5 µs at the median and 57 µs
// at p99 (six file locks and two WAL pages per commit); one write() of the turn's lines costs 1.7 and
// 8 µs (bench/append-cost.ts). Once write() returns the lines are the kernel's, so a message whose echo
// its author has seen survives the server being killed (-9 included), as a WAL commit with
// `synchronous = NORMAL` does; power loss can take the last of either. And the log is written once:
// copying every message into SQLite as well (through its WAL, then into the file) cost 1.3 to 1.6 µs of
// CPU a message, and even reading the log back to record its runs, on a thread, cost the event loop a
// tenth of its throughput on a 2-core machine (bench/record-cost.ts and README).
//
// The log is a series of files beside the database, `<db>-messages-<first id>`: the event loop appends
// to the newest and starts the next one past LOG_FILE_BYTES. A turn is written as runs: a line
// `<room> <first id>` (room names are letters and digits), then the run's messages, one JSON line each,
// with consecutive ids (JSON holds no raw newline, and no JSON text looks like a run's line). Those lines are the
// very bytes the turn sends to its rooms, so the append builds nothing per message. A deleted message's
// line is overwritten with spaces in place: its bytes are gone, and every other line keeps its place and id.
// What a killed server appended but had not recorded yet is found by scanning the log from just past the
// newest recorded run (applyLog). Ids only grow, so recording a message is idempotent: one whose id the
// database already has is skipped, and a start-up, a delete and a clean stop can all scan the same files.
import type { Database } from "bun:sqlite";
import { closeSync, fstatSync, ftruncateSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeFileSync, writeSync, writevSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { log } from "../log.ts";
import { insertRuns, joinRun, lastStoredId, resumePoint, type LoggedRun } from "./message-runs.ts";
import type { RoomMessage } from "./store.ts";

/** Past this size the event loop starts a new file, so a scan of the log (after a kill) reads one bounded file at a time. */
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
export function firstIdOf(file: string): number {
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
  try {
    unlinkSync(`${db}-messages.pid`);
  } catch (failure) {
    if ((failure as NodeJS.ErrnoException).code !== "ENOENT") throw failure;
  }
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

/** The log file of database `db` whose first id is `first`. */
export function logFile(db: string, first: number): string {
  return `${db}-messages-${first}`;
}

/** The event loop's end of the log: appends whole turns, all of a turn's lines or none. */
export class MessageLog {
  private fd: number | null = null;
  /** The first id of the file being appended to: its name. */
  private file = 0;
  private size = 0;

  constructor(
    private readonly db: string,
    private readonly fileBytes = LOG_FILE_BYTES,
  ) {}

  /** Appends a turn; returns where its runs now lie, for the database to record. */
  append(batch: readonly RoomMessage[]): LoggedRun[] {
    const fd = this.fileFor(batch[0]!.id);
    const parts: Uint8Array[] = [];
    const runs: LoggedRun[] = [];
    let at = this.size;
    for (let start = 0, end = 1; start < batch.length; start = end++) {
      const { room, id } = batch[start]!;
      while (end < batch.length && batch[end]!.room === room && batch[end]!.id === batch[end - 1]!.id + 1) end++;
      const header = Buffer.from(`${room} ${id}\n`);
      const lines = linesOf(batch, start, end);
      parts.push(header, lines);
      // A run's bytes end before its last newline, as a scan of the file reports them.
      runs.push({ first: id, last: batch[end - 1]!.id, room, file: this.file, at: at + header.length, bytes: lines.length - 1 });
      at += header.length + lines.length;
    }
    try {
      this.size += writeParts(fd, parts);
    } catch (failure) {
      this.abandonFile();
      throw failure;
    }
    return runs;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private fileFor(firstId: number): number {
    if (this.fd !== null && this.size < this.fileBytes) return this.fd;
    this.close();
    // Truncating: a file of this name can only exist if its first turn was refused, so it holds nothing kept.
    this.fd = openSync(logFile(this.db, firstId), "w");
    this.file = firstId;
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

/** Where the next line of a run goes: its room and its id. */
export interface RunState {
  room: string;
  next: number;
}

/** Told of each message line a scan meets: deleted ones too (their ids stay taken), with its bytes' place. */
export type LineVisitor = (room: string, id: number, start: number, end: number) => void;

const NUL = 0;
const SPACE = 32;
const OPEN_BRACE = 123;
const RUN_HEADER = /^([A-Za-z0-9]+) ([1-9][0-9]{0,15})$/;

/**
 * Walks the lines of `data` as the log writes them, starting inside `run` (null: before any run), and
 * returns the run the last line leaves open. A line outside a run is reported and skipped; so is one
 * with NUL bytes (what a power loss can leave in a file), and it ends its run, whose ids can no longer be told.
 */
export function scanLog(data: Buffer, run: RunState | null, visit: LineVisitor, source: string): RunState | null {
  let nul = data.indexOf(NUL);
  for (let start = 0; start < data.length; ) {
    let end = data.indexOf(NEWLINE, start);
    if (end < 0) end = data.length;
    // A message is a JSON object: only a line that is not one is read as text, to see if it starts a run.
    const header = data[start] === OPEN_BRACE ? null : RUN_HEADER.exec(data.toString("latin1", start, end));
    if (nul >= 0 && nul < end) {
      log.warn(`${source}: skipped a line with NUL bytes; the run it was in ends there`);
      run = null;
      nul = data.indexOf(NUL, end);
    } else if (header) run = { room: header[1]!, next: Number(header[2]) };
    else if (run !== null) visit(run.room, run.next++, start, end);
    else log.warn(`${source}: skipped a line that is not part of a logged run: ${JSON.stringify(data.toString("utf8", start, Math.min(end, start + 80)))}`);
    start = end + 1;
  }
  return run;
}

/** A deleted message's line: overwritten with spaces in a log file, emptied in a stored run. */
export function isErased(data: Uint8Array, start: number, end: number): boolean {
  return start === end || data[start] === SPACE;
}

/** The bytes of `file` from `from` to its last complete line; a line still being written is left for later. */
export function readComplete(file: string, from: number): Buffer {
  const data = readRange(file, from, Infinity);
  return data.subarray(0, data.lastIndexOf(NEWLINE) + 1);
}

/** Up to `length` bytes of `file` from `from`; none when the file is gone. */
export function readRange(file: string, from: number, length: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (failure) {
    if ((failure as NodeJS.ErrnoException).code === "ENOENT") return Buffer.alloc(0);
    throw failure;
  }
  try {
    const size = Math.max(0, Math.min(length, fstatSync(fd).size - from));
    const data = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const got = readSync(fd, data, read, size - read, from + read);
      if (got === 0) break;
      read += got;
    }
    return data.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Overwrites bytes start to end of `file` with spaces. */
export function eraseRange(file: string, start: number, end: number): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, Buffer.alloc(end - start, SPACE), 0, end - start, start);
  } finally {
    closeSync(fd);
  }
}

/**
 * The runs a log file's bytes from `offset` hold of messages newer than `stored`: consecutive ids of one
 * room, RUN_BYTES at most, with nothing between their lines but run lines, so that reading a run's bytes
 * meets exactly its messages. An id that does not grow (only a damaged file holds one) is skipped.
 */
function runsIn(data: Buffer, offset: number, file: string, from: RunState | null, stored: number): LoggedRun[] {
  const runs: LoggedRun[] = [];
  const fileId = firstIdOf(file);
  let run: LoggedRun | null = null;
  let newest = stored;
  let previousEnd = -1;
  scanLog(data, from, (room, id, start, end) => {
    if (id <= newest) {
      run = null;
      return;
    }
    newest = id;
    const message: LoggedRun = { first: id, last: id, room, file: fileId, at: offset + start, bytes: end - start };
    // At most one line since the previous message (its run's line): skipped lines or NUL bytes start a new run.
    const adjacent = data.lastIndexOf(NEWLINE, Math.max(0, start - 2)) <= previousEnd;
    if (!adjacent || !joinRun(run, message)) runs.push((run = message));
    previousEnd = end;
  }, file);
  return runs;
}

/**
 * Records in the database where the log's messages it lacks lie, in one transaction that also decides
 * which those are: from just past the newest recorded run, through every later file.
 */
export function applyLog(db: Database, path: string): void {
  db.transaction(() => {
    let stored = lastStoredId(db);
    const from = resumePoint(db);
    for (const file of logFiles(path)) {
      const fileId = firstIdOf(file);
      if (from !== null && fileId < from.file) continue;
      const resumes = from !== null && fileId === from.file;
      const offset = resumes ? from.at : 0;
      const runs = runsIn(readComplete(file, offset), offset, file, resumes ? from.run : null, stored);
      insertRuns(db, runs);
      stored = runs.at(-1)?.last ?? stored;
    }
  }).immediate();
}
