// The checkpoint thread (started by ./checkpointer.ts): a PASSIVE WAL checkpoint of one database, on a timer.
import { Database } from "bun:sqlite";
import { setPriority } from "node:os";
import { log } from "../log.ts";
import { OPEN_BUSY_TIMEOUT_MS, type CheckpointRequest } from "./checkpointer.ts";

declare const self: Worker;

// The lowest priority (nice 19, this thread only): copying the WAL can wait, the event loop and its
// clients cannot.
try {
  setPriority(0, 19);
} catch (failure) {
  log.warn(`the checkpoint thread runs at normal priority (${(failure as Error).message})`);
}

let db: Database | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

self.onmessage = (event: MessageEvent<CheckpointRequest>) => {
  const request = event.data;
  if (request === "close") {
    if (timer) clearInterval(timer);
    db?.close();
    process.exit(0);
  }
  db = new Database(request.path, { strict: true });
  // A PASSIVE checkpoint never waits on a lock; only this open does.
  db.run(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
  db.run("PRAGMA synchronous = NORMAL");
  timer = setInterval(checkpoint, request.everyMs);
};

function checkpoint(): void {
  try {
    db!.run("PRAGMA wal_checkpoint(PASSIVE)");
  } catch (failure) {
    // Another connection checkpointing, or closing the file: the next tick tries again.
    log.debug(`checkpoint skipped (${(failure as Error).message})`);
  }
}
