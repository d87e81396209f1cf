// Accounts: a registered name needs its password; wrong passwords are slow and rate limited; passwords never leak.
import { expect, test } from "bun:test";
import { error, expectResponse, info, useServer, welcome } from "../support/conformance.ts";
import { spawnServer } from "../support/process.ts";
import { RawPeer } from "../support/wire.ts";

const DELAY_MS = 150;
const chat = useServer({ limits: { failedLoginDelayMs: DELAY_MS } });
const PASSWORD = "correct horse battery";

async function registered(name: string) {
  const peer = await chat.loggedIn(name);
  peer.send({ request: "register", content: PASSWORD });
  expectResponse(await peer.next(), info(`${name} is registered. From now on log in with: login ${name} <password>`));
  return peer;
}

test("register claims the name: login without the password is refused, with it succeeds", async () => {
  const alice = await registered("alice");
  alice.send({ request: "logout", content: null });
  await alice.waitClosed();
  const impostor = await chat.connect();
  impostor.send({ request: "login", content: "Alice" });
  expectResponse(await impostor.next(), error("Alice is registered: log in with login Alice <password>."));
  const owner = await chat.connect();
  owner.send({ request: "login", content: `alice ${PASSWORD}` });
  expectResponse(await owner.next(), welcome("alice"));
  expect((await owner.next()).response).toBe("history");
});

test("a wrong password is answered slowly with an error", async () => {
  const alice = await registered("alice");
  alice.close();
  const guesser = await chat.connect();
  const started = performance.now();
  guesser.send({ request: "login", content: "alice wrongpass" });
  expectResponse(await guesser.next(), error("Wrong password for alice."));
  expect(performance.now() - started).toBeGreaterThanOrEqual(DELAY_MS - 5);
});

test("requests sent while a password is checked are answered after it, in order", async () => {
  const alice = await registered("alice");
  alice.close();
  const owner = await chat.connect();
  owner.send({ request: "login", content: `alice ${PASSWORD}` });
  owner.send({ request: "names", content: null });
  const [hello, , names] = await owner.take(3);
  expectResponse(hello, welcome("alice"));
  expectResponse(names, info("1 user in the chat: alice"));
});

test("guessing is rate limited per name: after 5 failures even the right password waits", async () => {
  const alice = await registered("alice");
  alice.close();
  const guesser = await chat.connect();
  for (let i = 0; i < 5; i++) {
    guesser.send({ request: "login", content: `alice guess${i}xx` });
    expectResponse(await guesser.next(), error("Wrong password for alice."));
  }
  guesser.send({ request: "login", content: `alice ${PASSWORD}` });
  // One try comes back every 12 s (5 a minute); the 5 failures above took about a second.
  const refusal = await guesser.next();
  expect(refusal.response).toBe("error");
  expect(refusal.content).toMatch(/^Too many failed logins for alice or from your address\. Try again in (1[0-2]|[1-9]) seconds\.$/);
});

test("names nobody registered work exactly as in the course protocol", async () => {
  const bob = await chat.connect();
  bob.sendBare({ request: "login", content: "bob" });
  expectResponse(await bob.next(), welcome("bob"));
});

test("register needs a login, a long enough password, and an unregistered name", async () => {
  const anon = await chat.connect();
  anon.send({ request: "register", content: PASSWORD });
  expectResponse(await anon.next(), error("Log in first: 'register' needs login <username>. Before login only login and help are accepted."));
  const alice = await registered("alice");
  alice.send({ request: "register", content: "short" });
  expectResponse(await alice.next(), error("Passwords are at least 8 characters. Usage: register <password>"));
  alice.send({ request: "register", content: PASSWORD });
  expectResponse(await alice.next(), error("alice is registered already."));
});

test("a password never appears in any response", async () => {
  const alice = await registered("alice");
  alice.close();
  const owner = await chat.connect();
  owner.send({ request: "login", content: "alice wrongpassword" });
  await owner.next();
  owner.send({ request: "login", content: `alice ${PASSWORD}` });
  await owner.take(2);
  const wire = owner.reads.map((read) => read.bytes.toString()).join("");
  expect(wire).not.toContain("wrongpassword");
  expect(wire).not.toContain(PASSWORD);
});

test("passwords never appear in the log, even at debug level", async () => {
  const server = await spawnServer(["--log-level", "debug", "--login-fail-delay", "0"]);
  const carol = await RawPeer.connect(server.port);
  await carol.login("carol");
  carol.send({ request: "register", content: "sekrit-password" });
  await carol.next();
  carol.close();
  const again = await RawPeer.connect(server.port);
  again.send({ request: "login", content: "carol wrong-password" });
  await again.next();
  await server.signal("SIGTERM");
  expect(server.log()).toContain("failed login for carol");
  expect(server.log()).not.toContain("sekrit-password");
  expect(server.log()).not.toContain("wrong-password");
});
