// Conformance, docs/protocol.md §2–§3 login: the username rule, taken and reserved names, and what a login answers.
import { expect, test } from "bun:test";
import { error, expectResponse, expectResponses, history, info, useServer, welcome } from "../support/conformance.ts";

const chat = useServer();

const BAD_CHARACTERS = error("Usernames may only contain the letters A-Z, a-z and the digits 0-9. Usage: login <username> [password]");
const NO_USERNAME = error("A username is needed. Usage: login <username> [password]");
const taken = (name: string) => error(`Username '${name}' is taken. Choose another username.`);
const reserved = (name: string) => error(`The name '${name}' is reserved. Choose another username.`);

async function loginAnswer(username: unknown): Promise<any> {
  const peer = await chat.connect();
  peer.send({ request: "login", content: username });
  return peer.next();
}

test("login answers with an info, then an empty history, as two separate responses", async () => {
  const alice = await chat.connect();
  alice.send({ request: "login", content: "alice" });
  expectResponses(await alice.take(2), [welcome("alice"), history([])]);
});

test("accepts a username of letters and digits", async () => {
  expectResponse(await loginAnswer("Alice2026"), welcome("Alice2026"));
});

test("accepts a username of exactly 32 characters", async () => {
  const name = "a".repeat(31) + "Z";
  expectResponse(await loginAnswer(name), welcome(name));
});

test("refuses a username of 33 characters", async () => {
  expectResponse(await loginAnswer("a".repeat(33)), error("Usernames are at most 32 characters. Usage: login <username> [password]"));
});

for (const [what, name] of [
  ["an underscore", "alice_1"],
  ["a space inside", "alice smith"],
  ["a hyphen", "alice-b"],
  ["a non-ASCII letter", "åse"],
  ["a digit written in another script", "alice٣"],
  ["a newline inside", "ali\nce"],
  ["a JSON injection attempt", 'alice","sender":"server'],
] as const) {
  test(`refuses a username with ${what}`, async () => {
    expectResponse(await loginAnswer(name), BAD_CHARACTERS);
  });
}

test("refuses an empty username", async () => {
  expectResponse(await loginAnswer(""), NO_USERNAME);
});

test("refuses a login with null content", async () => {
  expectResponse(await loginAnswer(null), NO_USERNAME);
});

test("refuses a login with no content at all", async () => {
  const peer = await chat.connect();
  peer.send({ request: "login" });
  expectResponse(await peer.next(), NO_USERNAME);
});

test("refuses a login whose content is a number", async () => {
  expectResponse(await loginAnswer(42), NO_USERNAME);
});

test("refuses a username that is taken", async () => {
  await chat.loggedIn("alice");
  expectResponse(await loginAnswer("alice"), taken("alice"));
});

test("refuses a taken username in another case", async () => {
  await chat.loggedIn("alice");
  expectResponse(await loginAnswer("ALICE"), taken("ALICE"));
  expectResponse(await loginAnswer("Alice"), taken("Alice"));
});

test("refuses the reserved name server in any case", async () => {
  expectResponse(await loginAnswer("server"), reserved("server"));
  expectResponse(await loginAnswer("Server"), reserved("Server"));
  expectResponse(await loginAnswer("SERVER"), reserved("SERVER"));
});

test("refuses a second login on the same connection", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "login", content: "bob" });
  expectResponse(await alice.next(), error("You are already logged in as alice. Log out first to change name."));
  alice.send({ request: "names" });
  expectResponse(await alice.next(), info("1 user in the chat: alice"));
});

test("refuses a second login with the same name on the same connection", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "login", content: "alice" });
  expectResponse(await alice.next(), error("You are already logged in as alice. Log out first to change name."));
});

test("a refused login leaves the connection free to log in again", async () => {
  const peer = await chat.connect();
  peer.send({ request: "login", content: "not valid" });
  expectResponse(await peer.next(), BAD_CHARACTERS);
  peer.send({ request: "login", content: "alice" });
  expectResponses(await peer.take(2), [welcome("alice"), history([])]);
});

test("a refused login sends no history", async () => {
  await chat.loggedIn("alice");
  const peer = await chat.connect();
  peer.send({ request: "login", content: "alice" });
  expectResponse(await peer.next(), taken("alice"));
  expect(await peer.silentFor(100)).toBe(true);
});

test("a refused login does not announce anyone to the others", async () => {
  const alice = await chat.loggedIn("alice");
  expectResponse(await loginAnswer("alice"), taken("alice"));
  expect(await alice.silentFor(100)).toBe(true);
});

test("a name is free again once its user has logged out", async () => {
  const first = await chat.loggedIn("alice");
  first.send({ request: "logout" });
  await first.waitClosed();
  expectResponse(await loginAnswer("alice"), welcome("alice"));
});

test("accepts the request name in any case", async () => {
  const peer = await chat.connect();
  peer.send({ request: "LOGIN", content: "alice" });
  expectResponses(await peer.take(2), [welcome("alice"), history([])]);
});
