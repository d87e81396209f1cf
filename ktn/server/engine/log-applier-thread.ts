// The log applier's thread (started by ./log-applier.ts): on a timer, stores what the message log
// gained since the last time, and removes every file but the newest once it is stored.
import { Database } from "bun:sqlite";
import { setPriority } from "node:os";
import { log } from "../log.ts";
import { OPEN_BUSY_TIMEOUT_MS, type ApplierRequest } from "./log-applier.ts";
import { applyLogged, logFiles, parseLog, readLog, removeIfThere } from "./message-log.ts";
import { runInserter } from "./message-runs.ts";

declare const self: Worker;

// The lowest priority (nice 19, this thread only): storing can wait, the event loop and its clients
// cannot. On a busy machine the log grows for a while instead of the thread taking the event loop's
// core (measured: p99 at N=10 S=1 W=1 fell from 589 to 368 µs); it catches up when there is room.
try {
  setPriority(0, 19);
} catch (failure) {
  log.warn(`the log applier runs at normal priority (${(failure as Error).message})`);
}

let db: Database | null = null;
let timer: ReturnType<typeof setInterval> | null = null;
/** The file being read, and how far its lines are stored. */
let reading = { file: "", offset: 0 };
let lastFailure = "";

self.onmessage = (event: MessageEvent<ApplierRequest>) => {
  const request = event.data;
  if (request === "close") {
    if (timer) clearInterval(timer);
    db?.close();
    process.exit(0);
  }
  db = new Database(request.path, { strict: true });
  // The thread may wait for the event loop's writes; only the event loop may not.
  db.run(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
  db.run("PRAGMA synchronous = NORMAL");
  const apply = applier(db, request.path);
  timer = setInterval(apply, request.everyMs);
};

function applier(db: Database, path: string): () => void {
  const insertRuns = runInserter(db);
  return () => {
    try {
      const files = logFiles(path);
      files.forEach((file, i) => {
        if (file !== reading.file) reading = { file, offset: 0 };
        const { lines, bytes } = readLog(file, reading.offset);
        applyLogged(db, insertRuns, parseLog(lines, file));
        reading.offset += bytes;
        // The event loop has moved on to a newer file, so this one is complete: everything it held is stored.
        if (i < files.length - 1) removeIfThere(file);
      });
      lastFailure = "";
    } catch (failure) {
      const reason = (failure as Error).message;
      // Retried on the next tick; said once, not fifty times a second.
      if (reason !== lastFailure) log.warn(`the message log could not be stored yet (${reason}); it stays in the log and is retried`);
      lastFailure = reason;
    }
  };
}
