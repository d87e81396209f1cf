// `bun check.ts HOST PORT` against one small server, correct or with one defect: exactly that defect's check
// fails or warns, and no other. Also: the checker is a good citizen to the server it grades.
import { describe, expect, test } from "bun:test";
import { startFakeServer, type FakeConnection } from "../support/fake-server.ts";
import { notPassed, runCheck, runJsonCheck } from "./check-process.ts";
import { DEFECTS, ktnServer, startKtnServer, type Defect } from "./ktn-server.ts";

/** Short step timeouts: a defect that makes the checker wait (no history, no echo) costs one second, not three. */
const FAST = ["--timeout", "1000"];

const EXPECTED: Record<Defect, [string, "fail" | "warn"]> = {
  "numeric-timestamp": ["responses.timestamp", "fail"],
  "no-history": ["login.history", "fail"],
  "msg-before-login": ["before-login.refused", "fail"],
  "any-name": ["usernames.rule", "fail"],
  "no-echo": ["chat.msg", "fail"],
  ghost: ["abrupt-disconnect.names", "fail"],
  coalesce: ["framing.one-per-read", "warn"],
  "no-fit": ["framing.read-size", "warn"],
  "taken-accepted": ["login.taken", "warn"],
  "newest-first": ["login.history", "fail"],
  "history-objects": ["login.history", "warn"],
  "unknown-accepted": ["chat.unknown", "warn"],
  "logout-keeps": ["chat.logout", "fail"],
};

/** Grades a fresh server with this defect (or none) and stops it. */
async function grade(defect: Defect | null, args: string[] = []) {
  const server = await startKtnServer(defect);
  try {
    return await runJsonCheck(["127.0.0.1", String(server.port), ...FAST, ...args]);
  } finally {
    server.stop();
  }
}

describe("one defect, one check", () => {
  test.concurrent("the correct baseline passes every check", async () => {
    const { code, report } = await grade(null);
    expect(notPassed(report)).toEqual([]);
    expect(code).toBe(0);
  });

  for (const defect of DEFECTS) {
    const [id, verdict] = EXPECTED[defect];
    test.concurrent(`${defect}: ${verdict}s ${id} and nothing else; exit ${verdict === "fail" ? 1 : 0}`, async () => {
      const { code, report } = await grade(defect);
      expect(notPassed(report)).toEqual([[id, verdict]]);
      const judged = report.checks.find((check) => check.id === id)!;
      // Every fail and warn shows what was sent and what came back.
      expect(judged.evidence.length).toBeGreaterThan(0);
      expect(judged.evidence.flatMap((e) => e.entries.map((entry) => entry.direction))).toContain("received");
      expect(code).toBe(verdict === "fail" ? 1 : 0);
    });
  }
});

test.concurrent("a failed check shows why, what was sent and the exact bytes that came back", async () => {
  const server = await startKtnServer("numeric-timestamp");
  try {
    const { code, stdout } = await runCheck(["127.0.0.1", String(server.port), ...FAST]);
    const failed = stdout.slice(stdout.indexOf("✗ timestamp is a string"));
    expect(failed).toMatch(/^✗ timestamp is a string — \d+ of \d+ responses: timestamp is a number \(\d+\)\n {6}why: The course text/);
    expect(failed).toMatch(/\n {6}connection \d+, [^\n]+\n {8}→ \{"request":"[a-z]+","content":[^\n]*\}\n {8}← \{"timestamp":\d+,/);
    expect(stdout.trimEnd().split("\n").at(-1)).toMatch(/^\d+ passed, 1 failed, 0 warnings$/);
    expect(code).toBe(1);
  } finally {
    server.stop();
  }
});

test.concurrent("a good citizen: under 5 requests a second per connection, at most 16 at once, fresh names, its users log out", async () => {
  const behaviour = ktnServer(null);
  const seen: { connection: FakeConnection; at: number; open: number; request: any }[] = [];
  const server = await startFakeServer((request, connection, fake) => {
    seen.push({ connection, at: performance.now(), open: fake.connections.filter((c) => !c.closed).length, request });
    behaviour(request, connection, fake);
  });
  const names = async () => {
    const before = seen.length;
    expect((await runJsonCheck(["127.0.0.1", String(server.port), ...FAST])).code).toBe(0);
    const logins = seen.slice(before).filter(({ request }) => request.request === "login" && /^[A-Za-z0-9]+$/.test(request.content));
    return new Set(logins.map(({ request }) => request.content as string));
  };
  try {
    const first = await names();
    const second = await names();
    expect(first.size).toBeGreaterThanOrEqual(4);
    expect([...first].filter((name) => second.has(name))).toEqual([]);
    expect(Math.max(...seen.map(({ open }) => open))).toBeLessThanOrEqual(16);
    for (const connection of server.connections) {
      const times = seen.filter((s) => s.connection === connection).map(({ at }) => at);
      // Any 5 requests in a row on one connection span at least a second (two helps sent as one write count as two).
      for (let i = 4; i < times.length; i++) expect(times[i]! - times[i - 4]!).toBeGreaterThanOrEqual(990);
    }
    await server.until(() => server.connections.every((c) => c.closed), "every connection closed");
    // Every user that logged in logged out, but two a run: the one dropped on purpose (the abrupt disconnect) and the refused taken name.
    const validLogin = (c: FakeConnection) => c.requests.some((r) => r.request === "login" && /^[A-Za-z0-9]+$/.test(r.content));
    const stayed = server.connections.filter((c) => validLogin(c) && !c.requests.some((r) => r.request === "logout"));
    expect(stayed.length).toBe(4);
  } finally {
    server.stop();
  }
});
