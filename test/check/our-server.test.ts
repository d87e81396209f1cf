// `bun check.ts HOST PORT` against our own server: every check passes, with no warning, well within a minute.
import { expect, test } from "bun:test";
import { startTestServer } from "../support/wire.ts";
import { notPassed, runCheck, runJsonCheck } from "./check-process.ts";

test.concurrent("our server passes every check with no warning, in well under 60 s", async () => {
  const server = await startTestServer();
  try {
    const { code, report, stderr } = await runJsonCheck(["127.0.0.1", String(server.port)]);
    expect(stderr).toBe("");
    expect(notPassed(report)).toEqual([]);
    expect(report.summary).toEqual({ passed: report.checks.length, failed: 0, warnings: 0 });
    expect(report.checks.length).toBeGreaterThanOrEqual(24);
    expect(report.durationMs).toBeLessThan(20_000);
    expect(code).toBe(0);
  } finally {
    server.stop();
  }
});

test.concurrent("the text report groups the checks by topic and ends with the summary line", async () => {
  const server = await startTestServer();
  try {
    const { code, stdout } = await runCheck(["127.0.0.1", String(server.port)]);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^KTN server at 127\.0\.0\.1:\d+: \d+ checks in \d+\.\d s$/);
    const topics = lines.filter((line) => /^[a-z]/.test(line));
    expect(topics).toEqual(["responses", "login", "usernames", "before login", "chat", "abrupt disconnect", "framing"]);
    expect(lines.filter((line) => line.startsWith("  ✓ ")).length).toBeGreaterThanOrEqual(24);
    expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed, 0 warnings$/);
    expect(stdout).not.toMatch(/\x1b/);
    expect(code).toBe(0);
  } finally {
    server.stop();
  }
});
