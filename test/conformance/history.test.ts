// Conformance, docs/protocol.md §3 history: every earlier message, oldest first, each a JSON-encoded string, on every login.
import { expect, test } from "bun:test";
import { expectResponse, expectResponses, history, message, useServer, welcome } from "../support/conformance.ts";

const chat = useServer({ limits: { historyMessages: 3 } });

test("history is sent on login even when there are no messages", async () => {
  const alice = await chat.connect();
  alice.send({ request: "login", content: "alice" });
  expectResponses(await alice.take(2), [welcome("alice"), history([])]);
});

test("history holds each earlier message as the JSON-encoded string of the message response", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "first" });
  const broadcast = await alice.next();
  expectResponse(broadcast, message("alice", "first"));
  const bob = await chat.connect();
  bob.send({ request: "login", content: "bob" });
  const [, past] = await bob.take(2);
  expectResponse(past, history([JSON.stringify(broadcast)]));
  expect(typeof past.content[0]).toBe("string");
  expect(JSON.parse(past.content[0])).toEqual(broadcast);
});

test("history lists the messages oldest first", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "one" });
  alice.send({ request: "msg", content: "two" });
  alice.send({ request: "msg", content: "three" });
  const sent = await alice.take(3);
  const bob = await chat.connect();
  bob.send({ request: "login", content: "bob" });
  const [, past] = await bob.take(2);
  expectResponse(past, history(sent.map((response) => JSON.stringify(response))));
});

test("history keeps only the newest messages past its limit", async () => {
  const alice = await chat.loggedIn("alice");
  for (const content of ["one", "two", "three", "four", "five"]) alice.send({ request: "msg", content });
  const sent = await alice.take(5);
  const bob = await chat.connect();
  bob.send({ request: "login", content: "bob" });
  const [, past] = await bob.take(2);
  expectResponse(past, history(sent.slice(2).map((response) => JSON.stringify(response))));
});

test("history holds messages from every author, and the history of a user's own earlier messages", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  alice.send({ request: "msg", content: "from alice" });
  const first = await alice.next();
  await bob.next();
  bob.send({ request: "msg", content: "from bob" });
  const second = await bob.next();
  bob.send({ request: "logout" });
  await bob.waitClosed();
  const again = await chat.connect();
  again.send({ request: "login", content: "bob" });
  const [, past] = await again.take(2);
  expectResponse(past, history([JSON.stringify(first), JSON.stringify(second)]));
});

test("history leaves out join and leave notices", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.loggedIn("bob");
  await alice.next(); // bob joined
  bob.send({ request: "logout" });
  await bob.waitClosed();
  await alice.next(); // bob left
  alice.send({ request: "msg", content: "only this" });
  const said = await alice.next();
  const carol = await chat.connect();
  carol.send({ request: "login", content: "carol" });
  const [, past] = await carol.take(2);
  expectResponse(past, history([JSON.stringify(said)]));
});

test("history leaves out errors, names and help answers", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "names" });
  alice.send({ request: "help" });
  alice.send({ request: "msg", content: "" });
  await alice.take(3);
  const bob = await chat.connect();
  bob.send({ request: "login", content: "bob" });
  expectResponses(await bob.take(2), [welcome("bob"), history([])]);
});

test("a message sent while a user logs in reaches them exactly once, in the history or right after it", async () => {
  const alice = await chat.loggedIn("alice");
  const bob = await chat.connect();
  bob.send({ request: "login", content: "bob" });
  alice.send({ request: "msg", content: "welcome bob" });
  const [hello, past] = await bob.take(2);
  expectResponse(hello, welcome("bob"));
  expect(past.response).toBe("history");
  const said = (await alice.take(2)).find((response) => response.response === "message");
  expectResponse(said, message("alice", "welcome bob"));
  if (past.content.length === 1) {
    expectResponse(past, history([JSON.stringify(said)]));
    expect(await bob.silentFor(100)).toBe(true);
  } else {
    expectResponse(past, history([]));
    expect(await bob.next()).toEqual(said);
  }
});
