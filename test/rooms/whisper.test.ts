// Private messages: delivered to one user, echoed to the author, marked with a `to` key, never broadcast or stored.
import { expect, test } from "bun:test";
import { error, expectResponse, useServer } from "../support/conformance.ts";
import { ISO_TIMESTAMP, comparable } from "../support/wire.ts";

const chat = useServer();

async function threeUsers() {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  const carol = await chat.loggedIn("carol");
  await alice.take(2);
  await bob.take(1);
  return { alice, bob, carol };
}

test("whisper reaches its recipient and is echoed to its author, marked private with a to key", async () => {
  const { alice, bob, carol } = await threeUsers();
  alice.send({ request: "whisper", content: "Bob  psst, over here" });
  const expected = { sender: "alice", response: "message", content: "psst, over here", to: "bob" };
  const [toBob, toAlice] = [await bob.next(), await alice.next()];
  expect(toBob.timestamp).toMatch(ISO_TIMESTAMP);
  expect(comparable(toBob)).toEqual(expected);
  expect(toAlice).toEqual(toBob);
  expect(await carol.silentFor(100)).toBe(true);
});

test("a whisper reaches its recipient in another room and never enters any history", async () => {
  const { alice, bob } = await threeUsers();
  bob.send({ request: "join", content: "dev" });
  await bob.take(2);
  alice.send({ request: "whisper", content: "bob across rooms" });
  expect((await bob.next()).content).toBe("across rooms");
  const dave = await chat.loggedIn("dave"); // lands in the lobby, where alice is
  const eve = await chat.connect();
  eve.send({ request: "login", content: "eve" });
  const [, past] = await eve.take(2);
  expect(past.content).toEqual([]);
  dave.close();
});

test("whisper to a user who is not logged in is an error", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "whisper", content: "nobody hello" });
  expectResponse(await alice.next(), error("No user named 'nobody' is logged in."));
});

test("whisper without a message is an error with the usage", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "whisper", content: "bob" });
  expectResponse(await alice.next(), error("Say who and what: whisper <user> <message>. Usage: whisper <user> <message>"));
});

test("a whisper past the message length is refused", async () => {
  const { alice, bob } = await threeUsers();
  alice.send({ request: "whisper", content: `bob ${"w".repeat(1001)}` });
  expectResponse(await alice.next(), error("Messages are at most 1000 characters. Usage: whisper <user> <message>"));
  expect(await bob.silentFor(50)).toBe(true);
});
