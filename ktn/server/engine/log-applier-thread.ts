// The log applier's thread (started by ./log-applier.ts): on a timer, records where the messages the
// message log gained since the last time lie.
import { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import { setPriority } from "node:os";
import { log } from "../log.ts";
import { OPEN_BUSY_TIMEOUT_MS, type ApplierRequest } from "./log-applier.ts";
import { applyLog, firstIdOf, logFiles } from "./message-log.ts";

declare const self: Worker;

// The lowest priority (nice 19, this thread only): recording can wait, the event loop and its clients
// cannot. On a busy machine the log runs ahead for a while instead of the thread taking the event loop's
// core (measured: p99 at N=10 S=1 W=1 fell from 589 to 368 µs); it catches up when there is room.
try {
  setPriority(0, 19);
} catch (failure) {
  log.warn(`the log applier runs at normal priority (${(failure as Error).message})`);
}

let db: Database | null = null;
let timer: ReturnType<typeof setInterval> | null = null;
/** The log's files from the one recording stopped in, oldest first. */
let files: string[] = [];
/** The newest file's size when all of it was recorded: a tick that finds it unchanged has nothing to do. */
let recorded = { file: "", size: -1 };
let lastFailure = "";

self.onmessage = (event: MessageEvent<ApplierRequest>) => {
  const request = event.data;
  if (request === "close") {
    if (timer) clearInterval(timer);
    db?.close();
    process.exit(0);
  }
  if ("file" in request) {
    if (!files.includes(request.file)) files.push(request.file);
    return;
  }
  db = new Database(request.path, { strict: true });
  // The thread may wait for the event loop's writes; only the event loop may not.
  db.run(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
  db.run("PRAGMA synchronous = NORMAL");
  files = [...new Set([...logFiles(request.path), ...files])].sort((a, b) => firstIdOf(a) - firstIdOf(b));
  timer = setInterval(() => apply(db!, request.path), request.everyMs);
};

function apply(db: Database, path: string): void {
  try {
    const newest = { file: files.at(-1) ?? "", size: sizeOf(files.at(-1)) };
    if (newest.file === recorded.file && newest.size === recorded.size) return;
    const stoppedIn = applyLog(db, path, files);
    files = files.filter((file) => firstIdOf(file) >= stoppedIn);
    recorded = newest;
    lastFailure = "";
  } catch (failure) {
    const reason = (failure as Error).message;
    // Retried on the next tick; said once, not fifty times a second.
    if (reason !== lastFailure) log.warn(`the message log could not be recorded yet (${reason}); it is retried`);
    lastFailure = reason;
  }
}

function sizeOf(file: string | undefined): number {
  return file === undefined ? -1 : (statSync(file, { throwIfNoEntry: false })?.size ?? -1);
}
