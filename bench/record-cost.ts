// What keeping the log's messages in the database costs, in CPU per message, three ways: copying each
// message's line into SQLite (what a thread did first; through the WAL, then into the file); scanning
// the log and recording where each run of it lies (what a thread did next, and what a start-up after a
// kill still does); recording the runs each append reports (what the event loop does now, a few times a
// second). `bun bench/record-cost.ts [passes]`: 5000 messages are appended in turns of 100 between
// passes (20 ms at N=10 S=8 W=32); CPU is the process's user + system time over the passes and, for the
// last way, its per-turn bookkeeping, on a fresh file per case in a temp directory.
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyLog, logFiles, MessageLog, readComplete, scanLog } from "../ktn/server/engine/message-log.ts";
import { lastStoredId, RUN_BYTES, type LoggedRun } from "../ktn/server/engine/message-runs.ts";
import { openSqliteStore } from "../ktn/server/engine/sqlite-store.ts";
import type { RoomMessage } from "../ktn/server/engine/store.ts";
import { UnrecordedRuns } from "../ktn/server/engine/unrecorded-runs.ts";
import { outgoingLines } from "../ktn/server/writer.ts";

const PASSES = Number(Bun.argv[2] ?? 40);
const TICK_MESSAGES = 5000;
const dir = mkdtempSync(join(tmpdir(), "ktn-record-cost-"));
let nextId = 0;

/** A turn of `size` messages as the local broker hands them to the store, lines included. */
function turn(size: number): RoomMessage[] {
  const responses = Array.from({ length: size }, () => ({ timestamp: new Date().toISOString(), sender: `user${nextId % 8}`, response: "message" as const, content: "x".repeat(100), id: ++nextId }));
  const jsons = responses.map((response) => JSON.stringify(response));
  const lines = outgoingLines(responses, jsons);
  return responses.map((response, i) => ({ room: "lobby", id: response.id, encoded: jsons[i]!, line: lines[i]!.bytes }));
}

/** A history file with its schema, and its log; the store that made it is closed again (no thread). */
function freshHistory(name: string): { db: Database; path: string; messageLog: MessageLog } {
  const path = join(dir, name);
  openSqliteStore(path, 1).close();
  const db = new Database(path, { strict: true });
  db.run("PRAGMA synchronous = NORMAL");
  return { db, path, messageLog: new MessageLog(path, Number.MAX_SAFE_INTEGER) };
}

/** What one way does: after each append (with the runs it reports), and once a pass. */
interface Recording {
  appended(runs: LoggedRun[]): void;
  pass(): void;
}

/** The copy: every line of the log since the last pass, into rows of at most RUN_BYTES of text each. */
function copier(db: Database, path: string): Recording {
  const insert = db.query("INSERT INTO message_runs (first_id, last_id, room, encoded) VALUES (?, ?, ?, ?)");
  let offset = 0;
  const pass = () =>
    db.transaction(() => {
      const data = readComplete(logFiles(path)[0]!, offset);
      const stored = lastStoredId(db);
      let run: { first: number; last: number; room: string; lines: string[]; bytes: number } | null = null;
      const flush = () => run && insert.run(run.first, run.last, run.room, run.lines.join("\n"));
      scanLog(data, null, (room, id, start, end) => {
        if (id <= stored) return;
        if (run === null || run.bytes + end - start > RUN_BYTES) {
          flush();
          run = { first: id, last: id - 1, room, lines: [], bytes: 0 };
        }
        run.last = id;
        run.lines.push(data.toString("utf8", start, end));
        run.bytes += end - start + 1;
      }, "bench");
      flush();
      offset += data.length;
    }).immediate();
  return { appended: () => {}, pass };
}

function measure(name: string, recording: (db: Database, path: string) => Recording): void {
  const { db, path, messageLog } = freshHistory(`${name.split(" ")[0]}.db`);
  const way = recording(db, path);
  let cpu = 0;
  const timed = (work: () => void) => {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    cpu += used.user + used.system;
  };
  for (let pass = 0; pass < PASSES; pass++) {
    for (let i = 0; i < TICK_MESSAGES / 100; i++) {
      const runs = messageLog.append(turn(100));
      timed(() => way.appended(runs));
    }
    timed(way.pass);
  }
  const messages = PASSES * TICK_MESSAGES;
  const kept = (db.query("SELECT sum(last_id - first_id + 1) AS n FROM message_runs").get() as { n: number }).n;
  console.log(`| ${name} | ${messages} | ${kept} | ${(cpu / messages).toFixed(3)} µs |`);
  messageLog.close();
  db.close();
}

console.log(`${PASSES} passes of ${TICK_MESSAGES} messages per case, ${tmpdir()}\n`);
console.log("| how | messages logged | messages kept | CPU per message |");
console.log("| --- | --- | --- | --- |");
measure("copy into SQLite", copier);
measure("scan the log and record its runs", (db, path) => ({ appended: () => {}, pass: () => applyLog(db, path) }));
measure("record the runs each append reports", (db, path) => {
  const unrecorded = new UnrecordedRuns();
  return { appended: (runs) => unrecorded.add(runs), pass: () => unrecorded.record(db, path) };
});
rmSync(dir, { recursive: true, force: true });
