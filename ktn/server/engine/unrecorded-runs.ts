// Unrecorded runs: where the event loop's latest appends to the message log lie, held until the next
// recording commits them to the database as message runs (./message-runs.ts), a few times a second.
//
// Why on the event loop, from what the append reports, instead of a thread reading the log back: a
// thread's reads, scans and commits took about a tenth of the event loop's throughput at N=10 S=8
// W=32 on a 2-core machine, nice 19 or not (README, "Performance"); a commit every RECORD_EVERY_MS of a
// few rows costs the event loop a few hundred microseconds a second.
import type { Database } from "bun:sqlite";
import { applyLog } from "./message-log.ts";
import { insertRuns, joinRun, lastStoredId, type LoggedRun } from "./message-runs.ts";

export const RECORD_EVERY_MS = 100;

/** Runs held at most (while another program holds the database locked): past it the log is scanned instead, once the lock goes. */
export const MAX_UNRECORDED = 100_000;

export class UnrecordedRuns {
  private runs: LoggedRun[] = [];
  /** Runs were let go for want of room: the log must be scanned for them. */
  private overflowed = false;

  get waiting(): boolean {
    return this.runs.length > 0 || this.overflowed;
  }

  /**
   * Takes an append's runs, in the log's order. A run that goes on where the last one stopped joins it
   * (joinRun): appends follow each other in a file, so only its run line lies between them.
   */
  add(runs: readonly LoggedRun[]): void {
    for (const run of runs) {
      if (joinRun(this.runs.at(-1) ?? null, run)) continue;
      if (this.overflowed || this.runs.length >= MAX_UNRECORDED) this.overflowed = true;
      else this.runs.push({ ...run });
    }
  }

  /** Records the runs held in one transaction (then scans the log if some were let go); on failure they stay held. */
  record(db: Database, path: string): void {
    db.transaction(() => {
      // A scan of the log (a delete's, say) may have recorded them already.
      const stored = lastStoredId(db);
      insertRuns(db, this.runs.filter((run) => run.first > stored));
    }).immediate();
    this.runs = [];
    if (this.overflowed) {
      applyLog(db, path);
      this.overflowed = false;
    }
  }
}
