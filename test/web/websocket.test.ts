// Conformance over WebSocket (docs/protocol.md §14): the same exact JSON as over TCP, one response per text frame, one chat for both.
import { expect, test } from "bun:test";
import { DEFAULT_LIMITS } from "../../ktn/server/limits.ts";
import { helpText, loadCommands } from "../../ktn/server/registry.ts";
import { error, expectResponse, expectResponses, history, info, joined, left, message, notLoggedIn, useServer, welcome } from "../support/conformance.ts";
import { MODERATOR_PASSWORD, useWebSockets, withModerator } from "./ws-peer.ts";

const chat = useServer(withModerator);
const web = useWebSockets(chat);

const MALFORMED = 'Requests are JSON objects: {"request": <string>, "content": <string or null>}.';

test("login answers with an info, then an empty history, each in a text frame of its own", async () => {
  const alice = await web.ws();
  alice.send({ request: "login", content: "alice" });
  expectResponses(await alice.take(2), [welcome("alice"), history([])]);
  expect(alice.frames).toHaveLength(2);
});

test("each frame holds exactly the JSON a TCP peer gets, without the newline", async () => {
  const tcp = await chat.loggedIn("carol");
  const webUser = await web.wsLoggedIn("dave");
  await tcp.next(); // dave joined
  tcp.reads.length = 0;
  tcp.send({ request: "msg", content: "the same bytes? ünïcödé 🎉" });
  const [onTcp, onWeb] = [await tcp.next(), await webUser.next()];
  expectResponse(onWeb, message("carol", "the same bytes? ünïcödé 🎉"));
  expect(onWeb).toEqual(onTcp);
  expect(webUser.frames.at(-1)).toBe(tcp.reads.map((read) => read.bytes.toString("utf8")).join("").trimEnd());
});

test("a refused login leaves the WebSocket open to log in again", async () => {
  await web.wsLoggedIn("alice");
  const peer = await web.ws();
  peer.send({ request: "login", content: "ALICE" });
  expectResponse(await peer.next(), error("Username 'ALICE' is taken. Choose another username."));
  peer.send({ request: "login", content: "not valid" });
  expectResponse(await peer.next(), error("Usernames may only contain the letters A-Z, a-z and the digits 0-9. Usage: login <username> [password]"));
  peer.send({ request: "login", content: "bob" });
  expectResponses(await peer.take(2), [welcome("bob"), history([])]);
});

test("msg is broadcast to everyone in the room, the author included, with its id", async () => {
  const alice = await web.wsLoggedIn("alice");
  const bob = await web.wsLoggedIn("bob");
  expectResponse(await alice.next(), joined("bob"));
  alice.send({ request: "msg", content: "hello" });
  const [mine, theirs] = [await alice.next(), await bob.next()];
  expectResponse(mine, message("alice", "hello"));
  expect(theirs).toEqual(mine);
});

test("requests before login get the same errors as over TCP", async () => {
  const peer = await web.ws();
  for (const request of ["msg", "names", "logout"]) {
    peer.send({ request, content: "x" });
    expectResponse(await peer.next(), notLoggedIn(request));
  }
});

test("names lists TCP and WebSocket users alike", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await web.wsLoggedIn("bob");
  expectResponse(await alice.next(), joined("bob"));
  bob.send({ request: "names", content: null });
  expectResponse(await bob.next(), info("2 users in the chat: alice, bob"));
  alice.send({ request: "names", content: null });
  expectResponse(await alice.next(), info("2 users in the chat: alice, bob"));
});

test("help answers with the help text of the loaded commands, before and after login", async () => {
  const expected = info(helpText((await loadCommands(DEFAULT_LIMITS)).values()));
  const peer = await web.ws();
  peer.send({ request: "help", content: null });
  expectResponse(await peer.next(), expected);
  await peer.login("alice");
  peer.send({ request: "help" });
  expectResponse(await peer.next(), expected);
});

test("logout answers with an info, then the server closes the WebSocket cleanly, and the others hear it", async () => {
  const alice = await web.wsLoggedIn("alice");
  const carol = await chat.loggedIn("carol");
  expectResponse(await alice.next(), joined("carol"));
  alice.send({ request: "logout", content: null });
  expectResponse(await alice.next(), info("Goodbye, alice. You are logged out."));
  await alice.waitClosed();
  expect(alice.closeCode).toBe(1000);
  expectResponse(await carol.next(), left("alice"));
});

test("history holds each earlier message as the JSON-encoded string of its response, whichever transport sent it", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "from tcp" });
  const first = await alice.next();
  const bob = await web.wsLoggedIn("bob");
  await alice.next(); // bob joined
  bob.send({ request: "msg", content: "from the web" });
  const second = await bob.next();
  await alice.next();
  const carol = await web.ws();
  carol.send({ request: "login", content: "carol" });
  const [hello, past] = await carol.take(2);
  expectResponse(hello, welcome("carol"));
  expectResponse(past, history([JSON.stringify(first), JSON.stringify(second)]));
  expect(JSON.parse(past.content[1])).toEqual(second);
});

test("a TCP user and a WebSocket user talk to each other", async () => {
  const tcp = await chat.loggedIn("alice");
  const webUser = await web.wsLoggedIn("bob");
  expectResponse(await tcp.next(), joined("bob"));
  webUser.send({ request: "msg", content: "hi alice, from a browser" });
  expectResponse(await tcp.next(), message("bob", "hi alice, from a browser"));
  expectResponse(await webUser.next(), message("bob", "hi alice, from a browser"));
  tcp.send({ request: "msg", content: "hi bob, from a terminal" });
  expectResponse(await webUser.next(), message("alice", "hi bob, from a terminal"));
  expectResponse(await tcp.next(), message("alice", "hi bob, from a terminal"));
});

test("whisper reaches across transports and nobody else", async () => {
  const tcp = await chat.loggedIn("alice");
  const webUser = await web.wsLoggedIn("bob");
  const other = await web.wsLoggedIn("carol");
  await tcp.next();
  await tcp.next();
  await webUser.next(); // carol joined
  webUser.send({ request: "whisper", content: "alice psst" });
  const [toAlice, echo] = [await tcp.next(), await webUser.next()];
  expect(toAlice).toEqual(echo);
  expect({ ...toAlice, timestamp: undefined }).toEqual({ timestamp: undefined, sender: "bob", response: "message", content: "psst", to: "alice" });
  expect(await other.silentFor(100)).toBe(true);
});

test("rooms: a WebSocket user joins a room a TCP user is in, and they hear each other there only", async () => {
  const tcp = await chat.loggedIn("alice");
  const webUser = await web.wsLoggedIn("bob");
  await tcp.next(); // bob joined
  tcp.send({ request: "join", content: "dev" });
  expect((await tcp.take(2)).map((r) => r.response)).toEqual(["info", "history"]);
  expectResponse(await webUser.next(), info("alice left for dev."));
  webUser.send({ request: "join", content: "dev" });
  const [moved, past] = await webUser.take(2);
  expect(moved).toMatchObject({ response: "info", content: "You are in dev now.", room: "dev" });
  expectResponse(past, history([]));
  expectResponse(await tcp.next(), info("bob joined dev."));
  webUser.send({ request: "msg", content: "in dev" });
  expectResponse(await tcp.next(), message("bob", "in dev"));
});

test("a moderator on TCP kicks a WebSocket user: it gets the error, then a clean close", async () => {
  const mod = await chat.connect();
  mod.send({ request: "login", content: `mod ${MODERATOR_PASSWORD}` });
  expect((await mod.take(2))[0].content).toBe("Login successful. Welcome, mod!");
  const troll = await web.wsLoggedIn("troll");
  await mod.next(); // troll joined
  mod.send({ request: "kick", content: "troll spamming" });
  expectResponse(await troll.next(), error("You were kicked by mod: spamming"));
  await troll.waitClosed();
  expect(troll.closeCode).toBe(1000);
  expectResponse(await mod.next(), info("troll was kicked by mod: spamming"));
});

test("a frame that is not JSON, or holds two values, gets an error and the WebSocket stays open", async () => {
  const peer = await web.ws();
  for (const frame of ['{"request": "login", "content": }', '{"request":"help"}{"request":"help"}', "hello"]) {
    peer.sendRaw(frame);
    expectResponse(await peer.next(), error(`Could not read that request: malformed JSON. ${MALFORMED}`));
  }
  peer.sendRaw("[1, 2]");
  expectResponse(await peer.next(), error(MALFORMED));
  peer.sendRaw("42");
  expectResponse(await peer.next(), error(MALFORMED));
  expectResponses(await peer.login("alice"), [welcome("alice"), history([])]);
});

test("a binary frame gets an error and the WebSocket stays open", async () => {
  const peer = await web.ws();
  peer.sendRaw(new TextEncoder().encode(JSON.stringify({ request: "login", content: "alice" })));
  expectResponse(await peer.next(), error(`Could not read that request: a binary message (send each request as one text message). ${MALFORMED}`));
  expectResponses(await peer.login("alice"), [welcome("alice"), history([])]);
});

test("unknown requests and bad content get the same errors as over TCP", async () => {
  const peer = await web.wsLoggedIn("alice");
  peer.send({ request: "dance", content: null });
  expectResponse(await peer.next(), error(`Unknown request 'dance'. Send {"request": "help"} to list the requests.`));
  peer.send({ request: 42 });
  expectResponse(await peer.next(), error('"request" must be a string, e.g. {"request": "help", "content": null}.'));
  peer.send({ request: "msg", content: "   " });
  expect((await peer.next()).response).toBe("error");
});
