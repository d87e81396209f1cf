// The checkpoint thread (started by ./checkpointer.ts): a PASSIVE WAL checkpoint of one database, on a timer.
import { Database } from "bun:sqlite";
import { OPEN_BUSY_TIMEOUT_MS, type CheckpointRequest } from "./checkpointer.ts";

declare const self: Worker;

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
  // A PASSIVE checkpoint never waits on it; only this open does.
  db.run(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
  db.run("PRAGMA synchronous = NORMAL");
  timer = setInterval(() => db!.run("PRAGMA wal_checkpoint(PASSIVE)"), request.everyMs);
};
