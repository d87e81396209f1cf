// What keeping the log's messages costs the applier thread, per message: copying each message's line
// into SQLite (what the thread did before; through the WAL, then into the file) against recording
// where each run of them lies in the log (what it does now). `bun bench/record-cost.ts [ticks]`: the
// log grows by one tick of turns (5000 messages, as at N=10 S=8 W=32) between passes; CPU is the
// process's user + system time over the passes alone, on a fresh file per case in a temp directory.
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyLog, logFile, MessageLog, readComplete, RUN_BYTES, scanLog } from "../ktn/server/engine/message-log.ts";
import { lastStoredId } from "../ktn/server/engine/message-runs.ts";
import { openSqliteStore } from "../ktn/server/engine/sqlite-store.ts";
import type { RoomMessage } from "../ktn/server/engine/store.ts";
import { outgoingLines } from "../ktn/server/writer.ts";

const TICKS = Number(Bun.argv[2] ?? 40);
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

/** The copy: every line of the log since the last pass, into rows of at most RUN_BYTES of text each. */
function copier(db: Database, path: string): () => void {
  const insert = db.query("INSERT INTO message_runs (first_id, last_id, room, encoded) VALUES (?, ?, ?, ?)");
  let offset = 0;
  return () =>
    db.transaction(() => {
      const data = readComplete(logFile(path, 1), offset);
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
}

function measure(name: string, pass: (db: Database, path: string) => () => void): void {
  const { db, path, messageLog } = freshHistory(`${name}.db`);
  const once = pass(db, path);
  let cpu = 0;
  for (let tick = 0; tick < TICKS; tick++) {
    for (let i = 0; i < TICK_MESSAGES / 100; i++) messageLog.append(turn(100));
    const before = process.cpuUsage();
    once();
    const used = process.cpuUsage(before);
    cpu += used.user + used.system;
  }
  const messages = TICKS * TICK_MESSAGES;
  const kept = (db.query("SELECT sum(last_id - first_id + 1) AS n FROM message_runs").get() as { n: number }).n;
  console.log(`| ${name} | ${messages} | ${kept} | ${(cpu / messages).toFixed(3)} µs |`);
  messageLog.close();
  db.close();
}

console.log(`${TICKS} passes of ${TICK_MESSAGES} messages per case, ${tmpdir()}\n`);
console.log("| how | messages logged | messages kept | thread CPU per message |");
console.log("| --- | --- | --- | --- |");
measure("copy into SQLite (before)", copier);
measure("record runs (now)", (db, path) => () => applyLog(db, path));
rmSync(dir, { recursive: true, force: true });
