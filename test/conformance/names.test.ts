// Conformance, docs/protocol.md §3 names: an info whose content lists the users logged in.
import { expect, test } from "bun:test";
import { expectResponse, info, notLoggedIn, useServer } from "../support/conformance.ts";

const chat = useServer();

test("names lists the only user", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "names", content: null });
  expectResponse(await alice.next(), info("1 user in the chat: alice"));
});

test("names lists every logged-in user in login order", async () => {
  const alice = await chat.loggedIn("alice");
  await chat.loggedIn("Bob");
  await chat.loggedIn("carol9");
  await alice.take(2); // Bob, carol9 joined
  alice.send({ request: "names", content: null });
  expectResponse(await alice.next(), info("3 users in the chat: alice, Bob, carol9"));
});

test("names leaves out connections that have not logged in", async () => {
  const alice = await chat.loggedIn("alice");
  await chat.connect();
  alice.send({ request: "names", content: null });
  expectResponse(await alice.next(), info("1 user in the chat: alice"));
});

test("refuses names before login", async () => {
  const peer = await chat.connect();
  peer.send({ request: "names", content: null });
  expectResponse(await peer.next(), notLoggedIn("names"));
});

test("names does not announce anything to the others", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  bob.send({ request: "names", content: null });
  await bob.next();
  expect(await alice.silentFor(100)).toBe(true);
});
