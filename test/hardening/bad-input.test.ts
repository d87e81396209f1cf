// Bad input: each case gets a clear `error`, never a crash and never a side effect on other users.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunningServer } from "../../ktn/server/listener.ts";
import { RawPeer, startTestServer, comparable } from "../support/wire.ts";

let server: RunningServer;
let watcher: RawPeer;
beforeAll(async () => {
  server = await startTestServer();
  watcher = await RawPeer.connect(server.port);
  await watcher.login("watcher");
});
afterAll(() => server.stop());

/** Sends raw bytes from a fresh connection and returns the first response. */
async function answerTo(raw: string | Uint8Array): Promise<any> {
  const peer = await RawPeer.connect(server.port);
  peer.sendRaw(raw);
  const response = await peer.next();
  peer.close();
  return response;
}

async function loggedInPeer(name: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(server.port);
  await peer.login(name);
  await watcher.next(); // the join notice
  return peer;
}

const cases: [string, string | Uint8Array, RegExp][] = [
  ["malformed JSON", '{"request": "login", "content": }\n', /^Could not read that request: malformed JSON/],
  ["JSON that is not an object", "[1, 2, 3]\n", /^Requests are JSON objects/],
  ["a JSON string", '"login"\n', /^Requests are JSON objects/],
  ["a bare word", "hello\n", /^Could not read that request: malformed JSON/],
  ["a number for request", '{"request": 42, "content": null}\n', /^"request" must be a string/],
  ["a missing request", '{"content": "alice"}\n', /^"request" must be a string/],
  ["a number for content", '{"request": "login", "content": 7}\n', /^A username is needed\. Usage: login <username> \[password\]$/],
  ["an object for content", '{"request": "login", "content": {"name": "a"}}\n', /^A username is needed\./],
  ["invalid UTF-8", new Uint8Array([...Buffer.from('{"request": "login", "content": "'), 0xff, 0xfe, ...Buffer.from('"}\n')]), /^Could not read that request: invalid UTF-8/],
  ["deeply nested values", "[".repeat(20000) + "]".repeat(20000) + "\n", /^Requests are JSON objects/],
  ["a __proto__ key", '{"request": "help", "__proto__": {"request": "logout"}, "constructor": {"prototype": 1}}\n', /^Requests:/],
  ["an unknown request", '{"request": "shutdown", "content": null}\n', /^Unknown request 'shutdown'\. Send \{"request": "help"\} to list the requests\.$/],
  ["a huge unknown request name", JSON.stringify({ request: "x".repeat(5000) }) + "\n", /^Unknown request 'x{40}…'/],
];

describe("bad input gets an error and leaves the server working", () => {
  for (const [name, raw, expected] of cases) {
    test(`answers ${name} with an error the sender can act on`, async () => {
      const response = await answerTo(raw);
      expect(response.sender).toBe("server");
      expect(response.response).toBe(name === "a __proto__ key" ? "info" : "error");
      expect(response.content).toMatch(expected);
      const fresh = await RawPeer.connect(server.port);
      fresh.send({ request: "help", content: null });
      expect((await fresh.next()).response).toBe("info");
      fresh.close();
    });
  }
});

test("a sender key in a request is never trusted: the message carries the logged-in name", async () => {
  const mallory = await loggedInPeer("mallory");
  mallory.send({ request: "msg", content: "hi", sender: "watcher" });
  const seen = await watcher.next();
  expect(comparable(seen)).toEqual({ sender: "mallory", response: "message", content: "hi" });
  expect(comparable(await mallory.next())).toEqual({ sender: "mallory", response: "message", content: "hi" });
  mallory.close();
  expect((await watcher.next()).content).toBe("mallory left the chat.");
});

test("huge content is refused without reaching anyone", async () => {
  const big = await loggedInPeer("bigmouth");
  big.send({ request: "msg", content: "y".repeat(1001) });
  expect(comparable(await big.next())).toEqual({ sender: "server", response: "error", content: "Messages are at most 1000 characters. Usage: msg <message>" });
  expect(await watcher.silentFor(100)).toBe(true);
  big.close();
  await watcher.next();
});

test("repeated garbage from one connection ends in a disconnect", async () => {
  const strict = await startTestServer({ limits: { floodRate: 0 } });
  const vandal = await RawPeer.connect(strict.port);
  vandal.sendRaw("garbage\n".repeat(25));
  const responses = await vandal.take(22);
  expect(responses.slice(0, 21).every((r) => r.response === "error" && r.content.startsWith("Could not read"))).toBe(true);
  expect(comparable(responses[21])).toEqual({ sender: "server", response: "error", content: "Too many refused requests (more than 20 a minute). Disconnecting." });
  await vandal.waitClosed();
  expect(vandal.reads.map((r) => r.bytes.toString()).join("").split("\n").length - 1).toBe(22);
  strict.stop();
});
