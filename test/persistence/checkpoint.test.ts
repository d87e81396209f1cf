// Checkpoints off the event loop: the history file's write-ahead log reaches the database file by
// itself, long before the log is big enough for a commit to checkpoint it.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../ktn/server/engine/sqlite-store.ts";
import { RawPeer, startTestServer } from "../support/wire.ts";

const dir = mkdtempSync(join(tmpdir(), "ktn-checkpoint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("messages reach the database file within moments, checkpointed by the checkpoint thread", async () => {
  const path = join(dir, "history.db");
  const server = await startTestServer({ store: openSqliteStore(path, 1000), limits: { floodRate: 0 } });
  const alice = await RawPeer.connect(server.port);
  await alice.login("alice");
  const before = statSync(path).size;
  const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ request: "msg", content: `${i} ${"x".repeat(200)}` }) + "\n");
  alice.sendRaw(lines.join(""));
  await alice.take(200);
  // 200 messages are some 15 pages of log: far below the 1000 (SQLite's default) or more at which a commit checkpoints.
  let after = before;
  for (let i = 0; i < 50 && after <= before + 40_000; i++) {
    await Bun.sleep(20);
    after = statSync(path).size;
  }
  expect(after).toBeGreaterThan(before + 40_000);
  alice.close();
  server.stop();
});
