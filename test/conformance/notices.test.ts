// Conformance, docs/protocol.md §3 notices: join and leave are info responses to the others, abrupt exits included.
import { expect, test } from "bun:test";
import { expectResponse, info, joined, left, useServer, welcome } from "../support/conformance.ts";

const chat = useServer();

test("a login is announced to the others as an info", async () => {
  const alice = await chat.loggedIn("alice");
  await chat.loggedIn("bob");
  expectResponse(await alice.next(), joined("bob"));
});

test("a login is not announced to the user who logged in", async () => {
  const alice = await chat.connect();
  alice.send({ request: "login", content: "alice" });
  const [hello] = await alice.take(2);
  expectResponse(hello, welcome("alice"));
  expect(await alice.silentFor(100)).toBe(true);
});

test("a login is not announced to connections that have not logged in", async () => {
  const lurker = await chat.connect();
  await chat.loggedIn("alice");
  expect(await lurker.silentFor(100)).toBe(true);
});

test("an abrupt disconnect removes the user and tells the others", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  expectResponse(await alice.next(), joined("bob"));
  bob.abort();
  expectResponse(await alice.next(), left("bob"));
  alice.send({ request: "names" });
  expectResponse(await alice.next(), info("1 user in the chat: alice"));
});

test("a disconnect without logout removes the user and tells the others", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  expectResponse(await alice.next(), joined("bob"));
  bob.close();
  expectResponse(await alice.next(), left("bob"));
  alice.send({ request: "names" });
  expectResponse(await alice.next(), info("1 user in the chat: alice"));
});

test("the name of an abruptly disconnected user can be taken again at once", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  bob.abort();
  expectResponse(await alice.next(), left("bob"));
  await chat.loggedIn("bob");
  expectResponse(await alice.next(), joined("bob"));
});

test("a connection that never logged in leaves without a notice", async () => {
  const alice = await chat.loggedIn("alice");
  const lurker = await chat.connect();
  lurker.abort();
  expect(await alice.silentFor(150)).toBe(true);
});

test("the user who leaves is told nothing but the goodbye", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "logout" });
  expectResponse(await alice.next(), info("Goodbye, alice. You are logged out."));
  await alice.waitClosed();
  await expect(alice.next(100)).rejects.toThrow();
});
