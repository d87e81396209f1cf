// What keeping a turn's messages costs the event loop: one SQLite transaction per turn (what the history
// file did before the message log) against one append to the message log (what it does now), for turns
// of 1, 10 and 100 messages. `bun bench/append-cost.ts [turns]`; each case runs on a fresh file in a
// temp directory, one turn per event-loop turn, and reports the median and p99 per turn.
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageLog } from "../ktn/server/engine/message-log.ts";
import { MIGRATIONS } from "../ktn/server/engine/sqlite-store.ts";
import type { RoomMessage } from "../ktn/server/engine/store.ts";
import { outgoingLines } from "../ktn/server/writer.ts";

const TURNS = Number(Bun.argv[2] ?? 5000);
const dir = mkdtempSync(join(tmpdir(), "ktn-append-cost-"));
let nextId = 0;

/** A turn of `size` messages as the local broker hands them to the store, lines included. */
function turn(size: number): RoomMessage[] {
  const responses = Array.from({ length: size }, () => ({ timestamp: new Date().toISOString(), sender: "bench", response: "message" as const, content: "x".repeat(100), id: ++nextId }));
  const jsons = responses.map((response) => JSON.stringify(response));
  const lines = outgoingLines(responses, jsons);
  return responses.map((response, i) => ({ room: "lobby", id: response.id, encoded: jsons[i]!, line: lines[i]!.bytes }));
}

function sqliteCommit(path: string): (batch: RoomMessage[]) => void {
  const db = new Database(path, { create: true, strict: true });
  for (const step of MIGRATIONS) for (const statement of step) db.run(statement);
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = NORMAL");
  // What the history file did before the log: the turn's lines, as one run row, in a commit of their own.
  const insert = db.query("INSERT INTO message_runs (first_id, last_id, room, encoded) VALUES (?, ?, ?, ?)");
  return db.transaction((batch: RoomMessage[]) => {
    insert.run(batch[0]!.id, batch.at(-1)!.id, batch[0]!.room, batch.map((message) => message.encoded).join("\n"));
  });
}

function logAppend(path: string): (batch: RoomMessage[]) => void {
  const messageLog = new MessageLog(path);
  return (batch) => messageLog.append(batch);
}

async function measure(name: string, keep: (batch: RoomMessage[]) => void, size: number): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < TURNS; i++) {
    const batch = turn(size);
    const start = Bun.nanoseconds();
    keep(batch);
    times.push(Bun.nanoseconds() - start);
    await new Promise((next) => setImmediate(next));
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.min(times.length - 1, Math.floor(times.length * q))]! / 1000).toFixed(1);
  console.log(`| ${name} | ${size} | ${at(0.5)} µs | ${at(0.99)} µs | ${((times[times.length >> 1]! / size) / 1000).toFixed(2)} µs |`);
}

console.log(`${TURNS} turns per case, ${tmpdir()}\n`);
console.log("| how | messages per turn | median per turn | p99 per turn | median per message |");
console.log("| --- | --- | --- | --- | --- |");
for (const size of [1, 10, 100]) {
  await measure("SQLite transaction", sqliteCommit(join(dir, `sqlite-${size}.db`)), size);
  await measure("message log append", logAppend(join(dir, `log-${size}.db`)), size);
}
rmSync(dir, { recursive: true, force: true });
