// The log applier: records in the database where the messages the event loop appends to the message log
// (./message-log.ts) lie, on a thread with a connection of its own, so that the event loop never commits a message.
//
// Every APPLY_EVERY_MS the thread scans what was appended since and records it as message runs in one
// transaction. Its commits also run SQLite's automatic WAL checkpoints (copying the WAL into the
// database file, with two fsyncs), so those never stall the event loop either. The event loop's own
// connection still writes rooms, accounts, bans and deletes.
import { log } from "../log.ts";

export const APPLY_EVERY_MS = 20;

/** The WAL size, in pages, at which one of the event loop's own commits checkpoints (SQLite's default is 1000). */
export const WAL_BOUND_PAGES = 10_000;

/**
 * How long opening the history file waits for another connection's lock: the last connection to close
 * a file (the thread, just told to stop; a server process exiting) checkpoints it under an exclusive
 * lock, and an open at that moment would otherwise fail with "database is locked".
 */
export const OPEN_BUSY_TIMEOUT_MS = 2000;

/**
 * How long one of the event loop's writes waits for a lock: the thread holds the write lock for a
 * transaction of a few milliseconds; a lock held longer (another program) fails the write instead of
 * stalling everyone.
 */
export const WRITE_BUSY_TIMEOUT_MS = 250;

/** What the thread is told: start on a database file, a log file the event loop has started, or stop. */
export type ApplierRequest = { path: string; everyMs: number } | { file: string } | "close";

export class LogApplier {
  private readonly thread: Worker;

  constructor(path: string) {
    // Unreferenced: the thread never keeps the server's process alive by itself.
    this.thread = new Worker(new URL("./log-applier-thread.ts", import.meta.url).href, { ref: false });
    this.thread.onerror = (event) => log.error(`log applier thread stopped (${event.message}); messages stay in the log until the server restarts`);
    this.send({ path, everyMs: APPLY_EVERY_MS });
  }

  /** The event loop started log file `file`: the thread learns of new files from this, not by listing the directory every tick. */
  started(file: string): void {
    this.send({ file });
  }

  close(): void {
    this.send("close");
  }

  private send(request: ApplierRequest): void {
    this.thread.postMessage(request);
  }
}
