// Conformance, docs/protocol.md §1 receiving: however a peer delimits (or fails to delimit) its JSON, the server reads it.
import { expect, test } from "bun:test";
import { error, expectResponse, expectResponses, history, info, message, useServer } from "../support/conformance.ts";

const chat = useServer({ limits: { maxFrameBytes: 1024 } });

const NOT_JSON = 'Could not read that request: malformed JSON. Requests are JSON objects: {"request": <string>, "content": <string or null>}.';

test("answers two bare requests that arrive in one segment, in order", async () => {
  const alice = await chat.connect();
  alice.sendRaw('{"request": "login", "content": "alice"}{"request": "names", "content": null}');
  expectResponses(await alice.take(3), [info("Login successful. Welcome, alice!"), history([]), info("1 user in the chat: alice")]);
});

test("answers two newline-terminated requests that arrive in one segment, in order", async () => {
  const alice = await chat.connect();
  alice.sendRaw('{"request": "login", "content": "alice"}\n{"request": "names", "content": null}\n');
  expectResponses(await alice.take(3), [info("Login successful. Welcome, alice!"), history([]), info("1 user in the chat: alice")]);
});

test("reads a request split over two segments", async () => {
  const alice = await chat.loggedIn("alice");
  alice.sendRaw('{"request": "msg", "con');
  await Bun.sleep(20);
  alice.sendRaw('tent": "hello"}\n');
  expectResponse(await alice.next(), message("alice", "hello"));
});

test("reads a request split inside a multi-byte UTF-8 character", async () => {
  const alice = await chat.loggedIn("alice");
  const request = Buffer.from(JSON.stringify({ request: "msg", content: "blåbær 😀" }) + "\n");
  const emoji = request.indexOf(Buffer.from("😀"));
  for (const cut of [request.indexOf(Buffer.from("å")) + 1, emoji + 1, emoji + 2, emoji + 3]) {
    alice.sendRaw(request.subarray(0, cut));
    await Bun.sleep(15);
    alice.sendRaw(request.subarray(cut));
    expectResponse(await alice.next(), message("alice", "blåbær 😀"));
  }
});

test("reads a request followed by a trailing newline and answers it once", async () => {
  const alice = await chat.connect();
  alice.sendRaw('{"request": "help", "content": null}\n');
  expect((await alice.next()).response).toBe("info");
  expect(await alice.silentFor(100)).toBe(true);
});

test("reads a request followed by CRLF", async () => {
  const alice = await chat.connect();
  alice.sendRaw('{"request": "login", "content": "alice"}\r\n');
  expectResponse(await alice.next(), info("Login successful. Welcome, alice!"));
});

test("reads requests with whitespace between them", async () => {
  const alice = await chat.connect();
  alice.sendRaw(' \n\t{"request": "login", "content": "alice"}  \r\n \t{"request": "names"}\n\n');
  expectResponses(await alice.take(3), [info("Login successful. Welcome, alice!"), history([]), info("1 user in the chat: alice")]);
});

test("answers malformed JSON with an error and keeps the connection", async () => {
  const alice = await chat.connect();
  alice.sendRaw('{"request": "login", "content": }\n');
  expectResponse(await alice.next(), error(NOT_JSON));
  alice.send({ request: "login", content: "alice" });
  expectResponse(await alice.next(), info("Login successful. Welcome, alice!"));
});

test("answers a line of plain text with an error and keeps the connection", async () => {
  const alice = await chat.connect();
  alice.sendRaw("login alice\n");
  expectResponse(await alice.next(), error(NOT_JSON));
  alice.send({ request: "login", content: "alice" });
  expectResponse(await alice.next(), info("Login successful. Welcome, alice!"));
});

test("answers invalid UTF-8 with an error", async () => {
  const alice = await chat.connect();
  alice.sendRaw(Buffer.concat([Buffer.from('{"request": "login", "content": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]));
  expectResponse(
    await alice.next(),
    error('Could not read that request: invalid UTF-8. Requests are JSON objects: {"request": <string>, "content": <string or null>}.'),
  );
});

test("answers a JSON array with an error saying requests are objects", async () => {
  const alice = await chat.connect();
  alice.sendRaw('["login", "alice"]\n');
  expectResponse(await alice.next(), error('Requests are JSON objects: {"request": <string>, "content": <string or null>}.'));
});

test("answers a request whose request key is not a string with an error", async () => {
  const alice = await chat.connect();
  alice.send({ request: 42, content: null });
  expectResponse(await alice.next(), error('"request" must be a string, e.g. {"request": "help", "content": null}.'));
});

test("answers a request past the frame limit with an error, then closes the connection", async () => {
  const alice = await chat.connect();
  alice.sendRaw('{"request": "msg", "content": "' + "x".repeat(1100));
  expectResponse(await alice.next(), error("Request too large: the limit is 1024 bytes. Disconnecting."));
  await alice.waitClosed();
});

test("refuses a request past the frame limit even when it arrives whole in one segment, then closes", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "x".repeat(1100) });
  expectResponse(await alice.next(), error("Request too large: the limit is 1024 bytes. Disconnecting."));
  await alice.waitClosed();
});

test("a user who passes the frame limit leaves the chat", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  expectResponse(await alice.next(), info("bob joined the chat."));
  bob.sendRaw('{"request": "msg", "content": "' + "x".repeat(1100));
  expectResponse(await bob.next(), error("Request too large: the limit is 1024 bytes. Disconnecting."));
  expectResponse(await alice.next(), info("bob left the chat."));
  alice.send({ request: "names" });
  expectResponse(await alice.next(), info("1 user in the chat: alice"));
});
