// The checkpointer: copies the history file's write-ahead log into the database on a thread of its own,
// so the event loop's commits only append to the WAL.
//
// In WAL mode every commit appends pages to the WAL, and a checkpoint copies them into the database
// file and syncs it (two fsyncs). SQLite runs one inside whichever commit passes `wal_autocheckpoint`
// pages, which would stall the event loop for the copy and the fsyncs. Here a thread with its own
// connection runs a PASSIVE checkpoint (it never blocks a writer) every CHECKPOINT_EVERY_MS, so the
// event loop's own automatic checkpoint, kept as a bound on the WAL's size, finds everything copied
// already. A checkpoint is crash-safe wherever it runs.
import { log } from "../log.ts";

/** The event loop commits a few pages a second (the message runs, now and then a room or an account): a checkpoint a second keeps the WAL small. */
export const CHECKPOINT_EVERY_MS = 1000;

/** The WAL size, in pages, at which one of the event loop's own commits checkpoints (SQLite's default is 1000). */
export const WAL_BOUND_PAGES = 10_000;

/**
 * How long opening the history file waits for another connection's lock: the last connection to close
 * a file (this thread, just told to stop; a server process exiting) checkpoints it under an exclusive
 * lock, and an open at that moment would otherwise fail with "database is locked".
 */
export const OPEN_BUSY_TIMEOUT_MS = 2000;

/**
 * How long one of the event loop's rare writes (a room, an account, a ban, a delete) waits for a lock
 * another program holds: longer fails the write instead of stalling everyone.
 */
export const WRITE_BUSY_TIMEOUT_MS = 250;

/** What the thread is told: start on a database file, or stop. */
export type CheckpointRequest = { path: string; everyMs: number } | "close";

export class Checkpointer {
  private readonly thread: Worker;

  constructor(path: string) {
    // Unreferenced: the thread never keeps the server's process alive by itself.
    this.thread = new Worker(new URL("./checkpoint-thread.ts", import.meta.url).href, { ref: false });
    this.thread.onerror = (event) => log.warn(`checkpoint thread stopped (${event.message}); commits checkpoint by themselves`);
    this.send({ path, everyMs: CHECKPOINT_EVERY_MS });
  }

  close(): void {
    this.send("close");
  }

  private send(request: CheckpointRequest): void {
    this.thread.postMessage(request);
  }
}
