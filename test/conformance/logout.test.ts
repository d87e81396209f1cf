// Conformance, docs/protocol.md §3 logout: an info that says so, then the server closes the connection.
import { expect, test } from "bun:test";
import { expectResponse, info, left, notLoggedIn, useServer } from "../support/conformance.ts";

const chat = useServer();

test("logout answers with an info, then the server closes the connection", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "logout", content: null });
  expectResponse(await alice.next(), info("Goodbye, alice. You are logged out."));
  await alice.waitClosed();
});

test("logout to a legacy peer answers with an info, then the server closes the connection", async () => {
  const alice = await chat.legacyLoggedIn("alice");
  alice.sendBare({ request: "logout", content: null });
  expectResponse(await alice.next(), info("Goodbye, alice. You are logged out."));
  await alice.waitClosed();
});

test("logout sends nothing after the goodbye", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "logout", content: null });
  await alice.waitClosed();
  expect(alice.reads.map((read) => read.bytes.toString()).join("")).toEndWith('"content":"Goodbye, alice. You are logged out."}\n');
});

test("logout tells the others that the user left", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  bob.send({ request: "logout", content: null });
  expectResponse(await alice.next(), left("bob"));
});

test("logout removes the user from names", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  bob.send({ request: "logout", content: null });
  await bob.waitClosed();
  await alice.next(); // bob left
  alice.send({ request: "names", content: null });
  expectResponse(await alice.next(), info("1 user in the chat: alice"));
});

test("requests sent after logout in the same segment are not answered", async () => {
  const alice = await chat.loggedIn("alice");
  alice.sendRaw('{"request": "logout", "content": null}\n{"request": "names", "content": null}\n');
  expectResponse(await alice.next(), info("Goodbye, alice. You are logged out."));
  await alice.waitClosed();
  await expect(alice.next(200)).rejects.toThrow("connection closed");
});

test("a message sent after logout in the same segment is not broadcast", async () => {
  const bob = await chat.loggedIn("bob");
  const alice = await chat.loggedIn("alice");
  await bob.next(); // alice joined
  alice.sendRaw('{"request": "logout", "content": null}\n{"request": "msg", "content": "ghost"}\n');
  expectResponse(await bob.next(), left("alice"));
  expect(await bob.silentFor(100)).toBe(true);
});

test("refuses logout before login", async () => {
  const peer = await chat.connect();
  peer.send({ request: "logout", content: null });
  expectResponse(await peer.next(), notLoggedIn("logout"));
  expect(peer.closed).toBe(false);
});
