// Conformance, docs/protocol.md §2: the gate before login, unknown requests, and being liberal in what we accept.
import { expect, test } from "bun:test";
import { error, expectResponse, expectResponses, history, info, message, notLoggedIn, useServer, welcome } from "../support/conformance.ts";

const chat = useServer();

const unknown = (request: string) => error(`Unknown request '${request}'. Send {"request": "help"} to list the requests.`);

test("refuses msg before login with an error", async () => {
  const peer = await chat.connect();
  peer.send({ request: "msg", content: "hi" });
  expectResponse(await peer.next(), notLoggedIn("msg"));
});

test("refuses names before login with an error", async () => {
  const peer = await chat.connect();
  peer.send({ request: "names", content: null });
  expectResponse(await peer.next(), notLoggedIn("names"));
});

test("refuses logout before login with an error and keeps the connection", async () => {
  const peer = await chat.connect();
  peer.send({ request: "logout", content: null });
  expectResponse(await peer.next(), notLoggedIn("logout"));
  peer.send({ request: "login", content: "alice" });
  expectResponses(await peer.take(2), [welcome("alice"), history([])]);
});

test("accepts help before login", async () => {
  const peer = await chat.connect();
  peer.send({ request: "help", content: null });
  const answer = await peer.next();
  expectResponse(answer, info(answer.content));
  expect(answer.content).toContain("login <username>");
});

test("answers an unknown request with an error naming it and pointing to help", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "dance", content: null });
  expectResponse(await alice.next(), unknown("dance"));
});

test("answers an unknown request before login with an error naming it and pointing to help", async () => {
  const peer = await chat.connect();
  peer.send({ request: "dance", content: "tango" });
  expectResponse(await peer.next(), unknown("dance"));
});

test("answers an empty request name as an unknown request", async () => {
  const peer = await chat.connect();
  peer.send({ request: "", content: null });
  expectResponse(await peer.next(), unknown(""));
});

test("answers an object with no request key with an error", async () => {
  const peer = await chat.connect();
  peer.send({ content: "alice" });
  expectResponse(await peer.next(), error('"request" must be a string, e.g. {"request": "help", "content": null}.'));
});

for (const [what, request] of [
  ["null", { request: "names", content: null }],
  ["an empty string", { request: "names", content: "" }],
  ["missing", { request: "names" }],
  ["an unexpected string", { request: "names", content: "whatever" }],
] as const) {
  test(`accepts names with content ${what}`, async () => {
    const alice = await chat.loggedIn("alice");
    alice.send(request);
    expectResponse(await alice.next(), info("1 user in the chat: alice"));
  });
}

for (const [what, request] of [
  ["null", { request: "help", content: null }],
  ["an empty string", { request: "help", content: "" }],
  ["missing", { request: "help" }],
] as const) {
  test(`accepts help with content ${what}`, async () => {
    const peer = await chat.connect();
    peer.send(request);
    const answer = await peer.next();
    expectResponse(answer, info(answer.content));
    expect(answer.content).toContain("msg <message>");
  });
}

for (const [what, request] of [
  ["null", { request: "logout", content: null }],
  ["an empty string", { request: "logout", content: "" }],
  ["missing", { request: "logout" }],
] as const) {
  test(`accepts logout with content ${what}`, async () => {
    const alice = await chat.loggedIn("alice");
    alice.send(request);
    expectResponse(await alice.next(), info("Goodbye, alice. You are logged out."));
    await alice.waitClosed();
  });
}

test("ignores unknown extra keys in a request", async () => {
  const peer = await chat.connect();
  peer.send({ request: "login", content: "alice", room: "lobby", version: 2, extra: { nested: [1] } });
  expectResponses(await peer.take(2), [welcome("alice"), history([])]);
  peer.send({ request: "msg", content: "hi", priority: "high" });
  expectResponse(await peer.next(), message("alice", "hi"));
});

test("ignores a sender key in a login request", async () => {
  const peer = await chat.connect();
  peer.send({ request: "login", content: "alice", sender: "server" });
  expectResponses(await peer.take(2), [welcome("alice"), history([])]);
});

test("every response carries exactly timestamp, sender, response and content, with an ISO 8601 UTC timestamp", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "x" });
  alice.send({ request: "dance" });
  alice.send({ request: "names" });
  const [msg, err, names] = await alice.take(3);
  expectResponse(msg, message("alice", "x"));
  expectResponse(err, unknown("dance"));
  expectResponse(names, info("1 user in the chat: alice"));
  for (const response of [msg, err, names]) expect(Number.isNaN(Date.parse(response.timestamp))).toBe(false);
});
