// The client as a subprocess with piped stdin, against the real server on port 0.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { RunningServer } from "../../ktn/server/listener.ts";
import { RawPeer, startTestServer } from "../support/wire.ts";
import { ClientProcess, ESCAPE, runClient, TEST_TZ } from "./client-process.ts";

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** The local clock of the clients under test, now, as the client prints it. */
function nowInTestZone(): string {
  return new Date().toLocaleTimeString("en-GB", { timeZone: TEST_TZ, hour: "2-digit", minute: "2-digit", hour12: false });
}

/** Every stdout line with its time replaced by HH:MM, for exact comparison. */
function lines(stdout: string): string[] {
  return stdout.trimEnd().split("\n").map((line) => line.replace(/^\[\d\d:\d\d\]/, "[HH:MM]"));
}

test("logs in, chats, lists names, then logs out, closes and exits 0 at the end of input", async () => {
  const watcher = await RawPeer.connect(server.port);
  await watcher.login("watcher1");
  const before = nowInTestZone();
  const { code, stdout, stderr } = await runClient(["127.0.0.1", String(server.port)], ["login alice", "msg hello, world", "names"]);
  const after = nowInTestZone();
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).not.toMatch(ESCAPE);
  const shown = lines(stdout);
  expect(shown[0]).toMatch(/^\[HH:MM\] \* .*alice/);
  expect(shown[1]).toBe("── no earlier messages ──");
  expect(shown[2]).toBe("[HH:MM] <alice> hello, world");
  expect(shown[3]).toMatch(/^\[HH:MM\] \* .*watcher1.*alice|^\[HH:MM\] \* .*alice.*watcher1/);
  expect(shown.at(-1)).toMatch(/^\[HH:MM\] \* .*alice/); // the answer to the logout the client sent
  // Times are local (TZ=Asia/Kolkata here), not UTC.
  expect([before, after]).toContain(stdout.slice(1, 6));
  // The watcher saw alice arrive, speak and leave through a logout, not a dropped connection.
  const seen = await watcher.take(3);
  expect(seen.map((r) => [r.response, r.content])).toEqual([
    ["info", expect.stringContaining("alice")],
    ["message", "hello, world"],
    ["info", expect.stringContaining("alice")],
  ]);
  watcher.close();
});

test("shows the history, dimmed to a separator, before live messages", async () => {
  const bob = await RawPeer.connect(server.port);
  await bob.login("bob");
  bob.send({ request: "msg", content: "earlier one" });
  bob.send({ request: "msg", content: "earlier two" });
  await bob.take(2);

  const carol = new ClientProcess(["127.0.0.1", String(server.port)]);
  carol.type("login carol");
  await carol.waitFor(/── end of history ──\n/);
  bob.send({ request: "msg", content: "live now" });
  await carol.waitFor(/<bob> live now/);
  carol.type("msg hi bob");
  carol.end();
  const { code, stdout } = await carol.exited();
  expect(code).toBe(0);
  const shown = lines(stdout);
  const at = (text: string) => shown.findIndex((line) => line.endsWith(text));
  expect(shown.slice(at("<bob> earlier one"), at("<carol> hi bob") + 1)).toEqual([
    "[HH:MM] <bob> earlier one",
    "[HH:MM] <bob> earlier two",
    "── end of history ──",
    "[HH:MM] <bob> live now",
    "[HH:MM] <carol> hi bob",
  ]);
  // The history (alice's message from the first test included) comes right after the login's info.
  expect(shown[1]).toBe("[HH:MM] <alice> hello, world");
  bob.close();
});

test("a refused login is shown as an error, and the client leaves without a logout", async () => {
  const taken = await RawPeer.connect(server.port);
  await taken.login("dave");
  const { code, stdout } = await runClient(["127.0.0.1", String(server.port)], ["login DAVE"]);
  expect(code).toBe(0);
  expect(lines(stdout)).toEqual([expect.stringMatching(/^\[HH:MM\] ! error: .*DAVE/)]);
  taken.close();
});

test("Unicode goes through intact: accents, CJK, emoji, a name in the message", async () => {
  const text = "héllo wörld — 日本語 ✓ 🎉👩‍💻";
  const { code, stdout } = await runClient(["127.0.0.1", String(server.port)], ["login erin", `msg ${text}`]);
  expect(code).toBe(0);
  expect(lines(stdout)).toContain(`[HH:MM] <erin> ${text}`);
});

test("a typed logout ends the session: the server's goodbye, then exit 0 without waiting for the pipe", async () => {
  const frank = new ClientProcess(["127.0.0.1", String(server.port)]);
  frank.type("login frank");
  frank.type("logout");
  // stdin stays open: the logout alone ends the client.
  const { code, stdout } = await frank.exited(3000);
  expect(code).toBe(0);
  expect(lines(stdout).at(-1)).toMatch(/^\[HH:MM\] \* .*frank/);
});

test("help and an unknown request get the server's answers, shown readably", async () => {
  const { code, stdout } = await runClient(["127.0.0.1", String(server.port)], ["help", "/shout hey"]);
  expect(code).toBe(0);
  const shown = lines(stdout);
  expect(shown[0]).toMatch(/^\[HH:MM\] \* /);
  // Help's later lines are indented under the first line's text, not flush left.
  const helpRows = shown.slice(1, shown.findIndex((line) => line.includes("! error:")));
  expect(helpRows.length).toBeGreaterThanOrEqual(5);
  for (const row of helpRows) expect(row.startsWith("          ")).toBe(true);
  expect(shown.at(-1)).toMatch(/^\[HH:MM\] ! error: .*shout/);
});
