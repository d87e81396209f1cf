// Conformance, docs/protocol.md §2–§3 msg: a message broadcast to everyone logged in, author included, sender set by the server.
import { expect, test } from "bun:test";
import { error, expectResponse, message, notLoggedIn, useServer } from "../support/conformance.ts";

const chat = useServer({ limits: { maxMessageChars: 50 } });

test("msg is broadcast to every logged-in user, its author included", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  const carol = await chat.loggedIn("carol");
  await alice.take(2); // bob, carol joined
  await bob.next(); // carol joined
  alice.send({ request: "msg", content: "hello, all" });
  for (const peer of [alice, bob, carol]) expectResponse(await peer.next(), message("alice", "hello, all"));
});

test("msg is not sent to a connection that has not logged in", async () => {
  const alice = await chat.loggedIn("alice");
  const lurker = await chat.connect();
  alice.send({ request: "msg", content: "hello" });
  expectResponse(await alice.next(), message("alice", "hello"));
  expect(await lurker.silentFor(100)).toBe(true);
});

test("every recipient gets the same timestamp for one message", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  alice.send({ request: "msg", content: "same time" });
  const [mine, theirs] = [await alice.next(), await bob.next()];
  expect(theirs).toEqual(mine);
});

test("msg content is broadcast exactly as sent, a 'msg ' prefix included", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "msg hello" });
  expectResponse(await alice.next(), message("alice", "msg hello"));
});

test("msg content keeps its spaces, quotes, backslashes and non-ASCII text", async () => {
  const alice = await chat.loggedIn("alice");
  const text = '  "quoted" \\ {braces} ø 😀 ';
  alice.send({ request: "msg", content: text });
  expectResponse(await alice.next(), message("alice", text));
});

test("the sender of a message is the author's username, whatever sender the request names", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  alice.send({ request: "msg", content: "it is me", sender: "bob" });
  expectResponse(await bob.next(), message("alice", "it is me"));
});

test("a request naming sender server cannot make a message look like it came from the server", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "official", sender: "server", response: "info", timestamp: "1970" });
  const got = await alice.next();
  expectResponse(got, message("alice", "official"));
  expect(got.timestamp).not.toBe("1970");
});

test("refuses an empty msg", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "" });
  expectResponse(await alice.next(), error("The message is empty. Usage: msg <message>"));
});

test("refuses a msg of only whitespace", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: " \t\n " });
  expectResponse(await alice.next(), error("The message is empty. Usage: msg <message>"));
});

test("refuses a msg with null content", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: null });
  expectResponse(await alice.next(), error("A message is needed. Usage: msg <message>"));
});

test("refuses a msg with no content", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg" });
  expectResponse(await alice.next(), error("A message is needed. Usage: msg <message>"));
});

test("a refused msg is not broadcast", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  alice.send({ request: "msg", content: "" });
  await alice.next();
  expect(await bob.silentFor(100)).toBe(true);
});

test("accepts a msg at the message-length limit", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "m".repeat(50) });
  expectResponse(await alice.next(), message("alice", "m".repeat(50)));
});

test("refuses a msg past the message-length limit with an error", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "m".repeat(51) });
  expectResponse(await alice.next(), error("Messages are at most 50 characters. Usage: msg <message>"));
});

test("refuses msg before login", async () => {
  const peer = await chat.connect();
  peer.send({ request: "msg", content: "hello" });
  expectResponse(await peer.next(), notLoggedIn("msg"));
});

test("messages from one author arrive in the order they were sent", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  alice.sendRaw(["one", "two", "three"].map((content) => JSON.stringify({ request: "msg", content }) + "\n").join(""));
  expect((await bob.take(3)).map((r) => r.content)).toEqual(["one", "two", "three"]);
});
