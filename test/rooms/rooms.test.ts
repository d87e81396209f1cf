// Rooms: join, leave, rooms, names per room, and broadcasts that stay inside their room.
import { expect, test } from "bun:test";
import { error, expectResponse, expectResponses, history, info, joined, message, useServer } from "../support/conformance.ts";
import { comparable } from "../support/wire.ts";

const chat = useServer({ limits: { floodRate: 0 } });


test("join moves the user to a new room and answers like login: an info naming the room, then its history", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "join", content: "dev" });
  const [moved, past] = await alice.take(2);
  expect(comparable(moved)).toEqual({ sender: "server", response: "info", content: "You are in dev now.", room: "dev" });
  expectResponse(past, history([]));
});

test("a joiner gets the room's history as JSON-encoded message strings, oldest first", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "join", content: "dev" });
  await alice.take(2);
  alice.send({ request: "msg", content: "first" });
  alice.send({ request: "msg", content: "second" });
  const echoes = await alice.take(2);
  const bob = await chat.loggedIn("bob");
  bob.send({ request: "join", content: "DEV" });
  const [moved, past] = await bob.take(2);
  expect(moved.content).toBe("You are in dev now.");
  expectResponse(past, history(echoes.map((echo) => JSON.stringify(echo))));
});

test("the room's members are told who joined, and the lobby who left for where", async () => {
  const watcher = await chat.loggedIn("watcher");
  const alice = await chat.loggedIn("alice");
  expectResponse(await watcher.next(), joined("alice"));
  const bob = await chat.loggedIn("bob");
  await watcher.next();
  await alice.next();
  bob.send({ request: "join", content: "dev" });
  await bob.take(2);
  expectResponses(await watcher.take(1), [info("bob left for dev.")]);
  expectResponses(await alice.take(1), [info("bob left for dev.")]);
  alice.send({ request: "join", content: "dev" });
  await alice.take(2);
  expectResponses(await bob.take(1), [info("alice joined dev.")]);
  expectResponses(await watcher.take(1), [info("alice left for dev.")]);
});

test("a message in a room reaches only that room, its author included", async () => {
  const lobbyist = await chat.loggedIn("lobbyist");
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  for (const peer of [alice, bob]) peer.send({ request: "join", content: "dev" });
  await Promise.all([lobbyist, alice, bob].map((peer) => peer.drain()));
  alice.send({ request: "msg", content: "only for dev" });
  expectResponse(await alice.next(), message("alice", "only for dev"));
  expectResponse(await bob.next(), message("alice", "only for dev"));
  expect(await lobbyist.silentFor(100)).toBe(true);
  lobbyist.send({ request: "msg", content: "only for the lobby" });
  expectResponse(await lobbyist.next(), message("lobbyist", "only for the lobby"));
  expect(await alice.silentFor(50)).toBe(true);
});

test("leave returns to the lobby with its history; leaving from the lobby is an error", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "lobby talk" });
  const echo = await alice.next();
  alice.send({ request: "join", content: "dev" });
  await alice.take(2);
  alice.send({ request: "leave", content: null });
  const [back, past] = await alice.take(2);
  expect(comparable(back)).toEqual({ sender: "server", response: "info", content: "You are in lobby now.", room: "lobby" });
  expectResponse(past, history([JSON.stringify(echo)]));
  alice.send({ request: "leave", content: null });
  expectResponse(await alice.next(), error("You are in lobby already."));
});

test("rooms lists every room with how many are in it, and where you are", async () => {
  const alice = await chat.loggedIn("alice");
  await chat.loggedIn("bob");
  await alice.next();
  alice.send({ request: "join", content: "Dev" });
  await alice.take(2);
  alice.send({ request: "rooms", content: null });
  expectResponse(await alice.next(), info("2 rooms: lobby (1), Dev (1). You are in Dev."));
});

test("names lists the members of your current room only", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next();
  bob.send({ request: "join", content: "dev" });
  await bob.take(2);
  bob.send({ request: "names", content: null });
  expectResponse(await bob.next(), info("1 user in dev: bob"));
  await alice.next(); // bob left for dev
  alice.send({ request: "names", content: null });
  expectResponse(await alice.next(), info("1 user in the chat: alice"));
});

test("room names follow the username rule", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "join", content: "no spaces" });
  expectResponse(await alice.next(), error("Room names may only contain the letters A-Z, a-z and the digits 0-9. Usage: join <room>"));
  alice.send({ request: "join", content: null });
  expectResponse(await alice.next(), error("A room name is needed. Usage: join <room>"));
});

test("join, leave and rooms need a login", async () => {
  const peer = await chat.connect();
  for (const request of ["join", "leave", "rooms"]) {
    peer.send({ request, content: "dev" });
    expectResponse(await peer.next(), error(`Log in first: '${request}' needs login <username>. Before login only login and help are accepted.`));
  }
});

test("a user who disconnects in a room is announced to that room only", async () => {
  const lobbyist = await chat.loggedIn("lobbyist");
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  for (const peer of [alice, bob]) peer.send({ request: "join", content: "dev" });
  await Promise.all([lobbyist, alice, bob].map((peer) => peer.drain()));
  bob.abort();
  expectResponse(await alice.next(), info("bob left the chat."));
  expect(await lobbyist.silentFor(100)).toBe(true);
});

test("help lists the room and whisper requests", async () => {
  const peer = await chat.connect();
  peer.send({ request: "help", content: null });
  const { content } = await peer.next();
  for (const usage of ["join <room>", "leave", "rooms", "whisper <user> <message>"]) expect(content).toContain(usage);
});
