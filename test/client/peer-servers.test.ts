// The client against a fake server that behaves like the strangers' servers of docs/protocol.md §4.
// Each test runs `bun client.ts` with piped stdin and asserts the plain lines it prints.
import { expect, test } from "bun:test";
import { peerServer, startFakeServer, type Behaviour, type FakeServer, type PeerOptions } from "../support/fake-server.ts";
import { ClientProcess, ESCAPE, runClient } from "./client-process.ts";

const PAST = [
  { sender: "bob", content: "earlier one" },
  { sender: "carol", content: "earlier two" },
];

/** Runs the client against a fresh fake server with these lines, then stops the server. */
async function session(behaviour: Behaviour, input: string[]) {
  const server = await startFakeServer(behaviour);
  try {
    const finished = await runClient(["127.0.0.1", String(server.port)], input);
    expect(finished.stderr).toBe("");
    expect(finished.stdout).not.toMatch(ESCAPE);
    return { ...finished, server, shown: finished.stdout.trimEnd().split("\n") };
  } finally {
    server.stop();
  }
}

const peer = (options: PeerOptions) => peerServer({ past: PAST, ...options });

test.concurrent("info and history coalesced into one write with no delimiter: both shown, history first", async () => {
  const { code, shown } = await session(peer({ history: "strings" }), ["login alice", "msg hi"]);
  expect(code).toBe(0);
  expect(shown).toEqual([
    "[15:08] * Login successful, welcome alice",
    "[15:08] <bob> earlier one",
    "[15:08] <carol> earlier two",
    "── end of history ──",
    "[15:08] <alice> hi",
    "[15:08] * Bye",
  ]);
});

test.concurrent("history as a list of objects is shown like a list of JSON strings", async () => {
  const { shown } = await session(peer({ history: "objects" }), ["login alice"]);
  expect(shown.slice(0, 4)).toEqual([
    "[15:08] * Login successful, welcome alice",
    "[15:08] <bob> earlier one",
    "[15:08] <carol> earlier two",
    "── end of history ──",
  ]);
});

test.concurrent("an empty history says there were no earlier messages", async () => {
  const { shown } = await session(peer({ history: "empty" }), ["login alice"]);
  expect(shown.slice(0, 2)).toEqual(["[15:08] * Login successful, welcome alice", "── no earlier messages ──"]);
});

test.concurrent("no history at all: the login's info is enough, and the client still logs out at the end", async () => {
  const { code, shown, server } = await session(peer({ history: "absent" }), ["login alice", "msg hi"]);
  expect(code).toBe(0);
  expect(shown).toEqual(["[15:08] * Login successful, welcome alice", "[15:08] <alice> hi", "[15:08] * Bye"]);
  expect(server.requests.at(-1)).toEqual({ request: "logout", content: null });
});

test.concurrent("history as a run of separate plain-text responses is shown as it came, then a separator", async () => {
  for (const coalesce of [true, false]) {
    const { shown } = await session(peer({ history: "plain-run", coalesce }), ["login alice", "msg hi"]);
    expect(shown.slice(0, 5)).toEqual([
      "[15:08] * Login successful, welcome alice",
      "[15:08] bob: earlier one",
      "[15:08] carol: earlier two",
      "── end of history ──",
      "[15:08] <alice> hi",
    ]);
  }
});

test.concurrent("history entries that are neither JSON objects nor messages are shown, not dropped", async () => {
  const behaviour: Behaviour = (request, connection) => {
    if (request.request !== "login") return;
    connection.respond({
      timestamp: "t",
      sender: "server",
      response: "history",
      content: ["just text", "[1, 2]", 42, null, JSON.stringify({ sender: "bob", response: "message", content: "ok", timestamp: "2026-11-24 09:05:00" })],
    });
  };
  const { code, shown } = await session(behaviour, ["login alice"]);
  expect(code).toBe(0);
  expect(shown).toEqual(["just text", "[1,2]", "42", "[09:05] <bob> ok", "── end of history ──"]);
});

test.concurrent("response types outside the four are shown with their content", async () => {
  const behaviour: Behaviour = (request, connection) => {
    if (request.request !== "login") return;
    connection.respond(
      { timestamp: "2026-11-24 10:00:00", sender: "server", response: "names", content: ["alice", "bob"] },
      { timestamp: "2026-11-24 10:01:00", sender: "server", response: "", content: "no type at all" },
      { timestamp: "2026-11-24 10:02:00", sender: "bob", response: "Message", content: "capitalised" },
      { timestamp: "2026-11-24 10:03:00", sender: "server", response: "weather", content: { sky: "grey" } },
      { timestamp: "2026-11-24 10:04:00", sender: "server", content: "no response key" },
    );
  };
  const { code, shown } = await session(behaviour, ["login alice"]);
  expect(code).toBe(0);
  expect(shown).toEqual([
    "[10:00] [names] alice, bob",
    "[10:01] no type at all",
    "[10:02] <bob> capitalised",
    '[10:03] [weather] {"sky":"grey"}',
    "[10:04] no response key",
  ]);
});

test.concurrent("names given as a list by a peer server read as a comma-separated line", async () => {
  const { shown } = await session(peer({ history: "absent", names: "list", responseNames: { names: "names" } }), ["login alice", "names"]);
  expect(shown[1]).toBe("[15:08] [names] alice");
});

test.concurrent("timestamps as numbers (seconds or milliseconds) are shown in local time", async () => {
  const at = Date.UTC(2026, 10, 24, 15, 8); // 20:38 in the tests' zone, Asia/Kolkata
  const behaviour: Behaviour = (request, connection) => {
    if (request.request !== "login") return;
    connection.respond(
      { timestamp: at / 1000, sender: "bob", response: "message", content: "seconds" },
      { timestamp: at + 60_000, sender: "bob", response: "message", content: "milliseconds" },
      { timestamp: "2026-11-24T15:10:00.000Z", sender: "bob", response: "message", content: "ISO in UTC" },
      { timestamp: null, sender: "bob", response: "message", content: "no time" },
      { timestamp: "yesterday", sender: "bob", response: "message", content: "a word" },
    );
  };
  const { shown } = await session(behaviour, ["login alice"]);
  expect(shown).toEqual([
    "[20:38] <bob> seconds",
    "[20:39] <bob> milliseconds",
    "[20:40] <bob> ISO in UTC",
    "[--:--] <bob> no time",
    "[--:--] <bob> a word",
  ]);
});

test.concurrent("odd senders: empty, 'Server', a list, a number", async () => {
  const behaviour: Behaviour = (request, connection) => {
    if (request.request !== "login") return;
    connection.respond(
      { timestamp: "10:00", sender: "", response: "message", content: "from nobody" },
      { timestamp: "10:00", sender: "Server", response: "info", content: "capital S" },
      { timestamp: "10:00", sender: ["bob", "carol"], response: "message", content: "from a list" },
      { timestamp: "10:00", sender: 7, response: "message", content: "from a number" },
      { timestamp: "10:00", sender: "Server", response: "notice", content: "typed notice" },
    );
  };
  const { code, shown } = await session(behaviour, ["login alice"]);
  expect(code).toBe(0);
  expect(shown).toEqual([
    "[10:00] <?> from nobody",
    "[10:00] * capital S",
    "[10:00] <bob,carol> from a list",
    "[10:00] <7> from a number",
    "[10:00] [notice] typed notice",
  ]);
});

test.concurrent("logout answered with a reply and a close: exit 0", async () => {
  const { code, shown, server } = await session(peer({ history: "empty", logout: "reply-close" }), ["login alice", "logout"]);
  expect(code).toBe(0);
  expect(shown.at(-1)).toBe("[15:08] * Bye");
  expect(server.requests.filter((r) => r.request === "logout")).toHaveLength(1);
});

test.concurrent("logout answered with a reply and an open socket: the client closes it itself, exit 0", async () => {
  const server = await startFakeServer(peer({ history: "empty", logout: "reply-open" }));
  const client = new ClientProcess(["127.0.0.1", String(server.port)]);
  client.type("login alice");
  client.type("logout");
  // Timed from the logout's arrival, not from typing: starting the client process takes seconds under load.
  await server.until(() => server.requests.some((request) => request.request === "logout"), "the logout");
  const answered = Date.now();
  const { code, stdout } = await client.exited(4000);
  expect(code).toBe(0);
  expect(Date.now() - answered).toBeLessThan(2500);
  expect(stdout.trimEnd().split("\n").at(-1)).toBe("[15:08] * Bye");
  await server.until(() => server.connections[0]!.closed, "the client to close");
  server.stop();
});

test.concurrent("logout answered by a close with no reply: exit 0, nothing shown for it", async () => {
  const { code, shown } = await session(peer({ history: "empty", logout: "close" }), ["login alice", "logout"]);
  expect(code).toBe(0);
  expect(shown).toEqual(["[15:08] * Login successful, welcome alice", "── no earlier messages ──"]);
});

test.concurrent("at the end of input the client logs out by itself, whichever way the server ends it", async () => {
  for (const logout of ["reply-close", "reply-open", "close"] as const) {
    const { code, server } = await session(peer({ history: "empty", logout }), ["login alice"]);
    expect(code, logout).toBe(0);
    expect(server.requests.at(-1)).toEqual({ request: "logout", content: null });
    expect(server.connections[0]!.closed).toBe(true);
  }
});

test.concurrent("a server that never answers login: messages still work, and the client logs out at the end", async () => {
  const { code, shown, server } = await session(peer({ login: "silent" }), ["login alice", "msg anyone there?"]);
  expect(code).toBe(0);
  expect(shown).toEqual(["[15:08] <alice> anyone there?", "[15:08] * Bye"]);
  expect(server.requests).toEqual([
    { request: "login", content: "alice" },
    { request: "msg", content: "anyone there?" },
    { request: "logout", content: null },
  ]);
});

test.concurrent("a client that never logged in just closes at the end of input, with no logout", async () => {
  const { code, shown, server } = await session(peer({}), ["help"]);
  expect(code).toBe(0);
  expect(shown).toEqual(["[15:08] * login <name>, logout, msg <text>, names, help"]);
  expect(server.requests).toEqual([{ request: "help", content: null }]);
  expect(server.connections[0]!.closed).toBe(true);
});

test.concurrent("each typed line becomes one request: first word, then the rest (or null); unknown words go as typed", async () => {
  const { server } = await session(peer({ history: "empty" }), [
    "login alice",
    "",
    "   ",
    "/names",
    "msg   spaced   words  ",
    "msg",
    "/msg with slash",
    "frobnicate the thing",
    "MSG upper case",
    "help me",
    "logout",
  ]);
  expect(server.requests).toEqual([
    { request: "login", content: "alice" },
    { request: "names", content: null },
    { request: "msg", content: "spaced   words" },
    { request: "msg", content: null },
    { request: "msg", content: "with slash" },
    { request: "frobnicate", content: "the thing" },
    { request: "MSG", content: "upper case" },
    { request: "help", content: "me" },
    { request: "logout", content: null },
  ]);
});

test.concurrent("responses split at every byte, even inside a UTF-8 character, are put back together", async () => {
  const text = "søt 日本 🎉";
  const bytes = Buffer.from(JSON.stringify({ timestamp: "10:00", sender: "bob", response: "message", content: text }));
  // Raw bytes, one per write: a tiny dedicated listener rather than the text-writing fake server.
  const listener = Bun.listen<{ sent: boolean }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { sent: false };
      },
      async data(socket) {
        if (socket.data.sent) return;
        socket.data.sent = true;
        for (let i = 0; i < bytes.length; i++) {
          socket.write(bytes.subarray(i, i + 1));
          await Bun.sleep(1);
        }
      },
    },
  });
  const client = new ClientProcess(["127.0.0.1", String(listener.port)]);
  client.type("login alice");
  await client.waitFor(/<bob>/, 5000);
  client.end();
  const { code, stdout } = await client.exited();
  listener.stop(true);
  expect(code).toBe(0);
  expect(stdout).toBe(`[10:00] <bob> ${text}\n`);
});

test.concurrent("garbage, non-objects and escape codes from the server are shown harmlessly", async () => {
  const behaviour: Behaviour = (request, connection) => {
    if (request.request !== "login") return;
    connection.write('hello there\n[1,2]"x"{"broken": }');
    connection.respond({ timestamp: "10:00", sender: "bob\x1b[2J", response: "message", content: "clear\x1b[2J screen\x07" });
  };
  const { code, shown } = await session(behaviour, ["login alice"]);
  expect(code).toBe(0);
  expect(shown).toEqual([
    "(unreadable data from the server: malformed JSON)",
    "[??:??] [1,2]",
    "[??:??] x",
    "(unreadable data from the server: malformed JSON)",
    "[10:00] <bob^[[2J> clear^[[2J screen^G",
  ]);
});

test.concurrent("a greeting sent before any request is shown", async () => {
  const server: FakeServer = await startFakeServer(() => {});
  const client = new ClientProcess(["127.0.0.1", String(server.port)]);
  await server.until(() => server.connections.length === 1, "the client to connect");
  server.connections[0]!.respond({ timestamp: "10:00", sender: "server", response: "info", content: "Welcome to the server" });
  await client.waitFor(/Welcome/);
  client.end();
  const { code, stdout } = await client.exited();
  server.stop();
  expect(code).toBe(0);
  expect(stdout).toBe("[10:00] * Welcome to the server\n");
});

test.concurrent("a long history arrives in full, even when the client exits right after it", async () => {
  const past = Array.from({ length: 3000 }, (_, i) => ({ sender: "bob", content: `message number ${i} ${"x".repeat(100)}` }));
  const { code, shown } = await session(peerServer({ past, logout: "close" }), ["login alice"]);
  expect(code).toBe(0);
  expect(shown).toHaveLength(3002);
  expect(shown.at(-2)).toStartWith("[15:08] <bob> message number 2999 ");
  expect(shown.at(-1)).toBe("── end of history ──");
});

test.concurrent("output is complete when the server drops the connection right after a burst", async () => {
  const behaviour: Behaviour = (request, connection) => {
    if (request.request !== "login") return;
    connection.respond(...Array.from({ length: 2000 }, (_, i) => ({ timestamp: "10:00", sender: "bob", response: "message", content: `burst ${i}` })));
    connection.close();
  };
  const server = await startFakeServer(behaviour);
  const client = new ClientProcess(["127.0.0.1", String(server.port)]);
  client.type("login alice");
  const { code, stdout, stderr } = await client.exited();
  server.stop();
  expect(code).toBe(1);
  expect(stdout.trimEnd().split("\n")).toHaveLength(2000);
  expect(stderr).toContain(`127.0.0.1:${server.port}`);
});
