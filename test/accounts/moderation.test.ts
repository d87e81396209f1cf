// Moderators: declared per command, checked in one place; kick, ban, unban, delete, op and deop.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { error, expectResponse, info, useServer } from "../support/conformance.ts";
import { spawnServer } from "../support/process.ts";
import { MemoryStore } from "../../ktn/server/engine/store.ts";
import { RawPeer } from "../support/wire.ts";

const dir = mkdtempSync(join(tmpdir(), "ktn-bans-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PASSWORD = "moderator password";
/** `mod` is registered before the server starts, as --op requires; `ghost` is an --op name nobody registered. */
const chat = useServer(async () => {
  const store = new MemoryStore(1000);
  store.saveAccount("mod", await Bun.password.hash(PASSWORD));
  return { store, ops: ["mod", "ghost"], limits: { failedLoginDelayMs: 0 } };
});

/** The moderator `mod`, logged in with its password. */
async function moderator(): Promise<RawPeer> {
  const mod = await chat.connect();
  mod.send({ request: "login", content: `mod ${PASSWORD}` });
  const [hello, past] = await mod.take(2);
  expect(hello.content).toBe("Login successful. Welcome, mod!");
  expect(past.response).toBe("history");
  return mod;
}


test("moderator requests are refused with an error for everyone else", async () => {
  const bob = await chat.loggedIn("bob");
  for (const [request, content] of [["kick", "x"], ["ban", "x"], ["unban", "x"], ["delete", "1"], ["op", "x"], ["deop", "x"]]) {
    bob.send({ request, content });
    expectResponse(await bob.next(), error(`'${request}' is for moderators only.`));
  }
});

test("a registered --op name is no moderator without its password", async () => {
  const fake = await chat.connect();
  fake.send({ request: "login", content: "mod" });
  expectResponse(await fake.next(), error("mod is registered: log in with login mod <password>."));
});

test("an --op name nobody had registered at start-up is ignored, even once someone registers it", async () => {
  const ghost = await chat.loggedIn("ghost");
  ghost.send({ request: "register", content: "grabbed the name" });
  await ghost.next();
  ghost.send({ request: "kick", content: "anyone" });
  expectResponse(await ghost.next(), error("'kick' is for moderators only."));
});

test("a ban of 0 minutes is refused", async () => {
  const mod = await moderator();
  mod.send({ request: "ban", content: "bob 0" });
  expectResponse(await mod.next(), error("A ban lasts more than 0 minutes (leave the minutes out for a ban for good). Usage: ban <user> [minutes] [reason]"));
});

test("kick disconnects the user with the reason, and the room is told", async () => {
  const mod = await moderator();
  const bob = await chat.loggedIn("bob");
  const watcher = await chat.loggedIn("watcher");
  await Promise.all([mod, bob, watcher].map((peer) => peer.drain()));
  mod.send({ request: "kick", content: "bob spamming links" });
  expectResponse(await bob.next(), error("You were kicked by mod: spamming links"));
  await bob.waitClosed();
  expectResponse(await watcher.next(), info("bob was kicked by mod: spamming links"));
  expectResponse(await mod.next(), info("bob was kicked by mod: spamming links"));
  expect(chat.server.chat.usernames()).toEqual(["mod", "watcher"]);
});

test("a banned user cannot come back under the same name or from the same address until unbanned", async () => {
  const mod = await moderator();
  const bob = await chat.loggedIn("bob");
  await Promise.all([mod, bob].map((peer) => peer.drain()));
  mod.send({ request: "ban", content: "bob 10 rude" });
  expectResponse(await bob.next(), error("You were banned for 10 minutes by mod: rude"));
  expectResponse(await mod.next(), info("bob was banned for 10 minutes by mod: rude"));
  const again = await chat.connect();
  again.send({ request: "login", content: "bob" });
  const refusal = await again.next();
  expect(refusal.response).toBe("error");
  expect(refusal.content).toMatch(/^You are banned until \d{4}-\d{2}-\d{2}T[\d:.]+Z: rude$/);
  again.send({ request: "login", content: "notbob" }); // the same address, 127.0.0.1
  expect((await again.next()).content).toMatch(/^You are banned until/);
  mod.send({ request: "unban", content: "bob" });
  expectResponse(await mod.next(), info("bob was unbanned by mod."));
  again.send({ request: "login", content: "bob" });
  expect((await again.next()).content).toBe("Login successful. Welcome, bob!");
});

test("a ban for some minutes ends by itself", async () => {
  const mod = await moderator();
  const bob = await chat.loggedIn("bob");
  await Promise.all([mod, bob].map((peer) => peer.drain()));
  mod.send({ request: "ban", content: "bob 0.01" }); // 600 ms
  await bob.waitClosed();
  const early = await chat.connect();
  early.send({ request: "login", content: "bob" });
  expect((await early.next()).content).toMatch(/^You are banned until/);
  await Bun.sleep(700);
  early.send({ request: "login", content: "bob" });
  expect((await early.next()).content).toBe("Login successful. Welcome, bob!");
});

test("delete removes a message from the next history and tells the room", async () => {
  const mod = await moderator();
  const bob = await chat.loggedIn("bob");
  await Promise.all([mod, bob].map((peer) => peer.drain()));
  bob.send({ request: "msg", content: "keep me" });
  bob.send({ request: "msg", content: "delete me" });
  const [kept, doomed] = await bob.take(2);
  await mod.take(2);
  mod.send({ request: "delete", content: String(doomed.id) });
  expectResponse(await mod.next(), info(`Message ${doomed.id} was deleted by mod.`));
  expectResponse(await bob.next(), info(`Message ${doomed.id} was deleted by mod.`));
  const late = await chat.connect();
  late.send({ request: "login", content: "late" });
  const [, past] = await late.take(2);
  expect(past.content).toEqual([JSON.stringify(kept)]);
  await mod.drain();
  mod.send({ request: "delete", content: String(doomed.id) });
  expectResponse(await mod.next(), error(`There is no message ${doomed.id}.`));
});

test("a moderator in another room who deletes a message is answered too", async () => {
  const mod = await moderator();
  const bob = await chat.loggedIn("bob");
  await Promise.all([mod, bob].map((peer) => peer.drain()));
  bob.send({ request: "msg", content: "delete me" });
  const [doomed] = await bob.take(1);
  await mod.take(1);
  mod.send({ request: "join", content: "elsewhere" });
  await mod.take(2);
  await bob.drain();
  mod.send({ request: "delete", content: String(doomed.id) });
  expectResponse(await mod.next(), info(`Message ${doomed.id} was deleted by mod.`));
  expectResponse(await bob.next(), info(`Message ${doomed.id} was deleted by mod.`));
});

test("op makes a registered user a moderator and deop takes it away", async () => {
  const mod = await moderator();
  const carol = await chat.loggedIn("carol");
  const dave = await chat.loggedIn("dave");
  await Promise.all([mod, carol, dave].map((peer) => peer.drain()));
  mod.send({ request: "op", content: "carol" });
  expectResponse(await mod.next(), error("carol has no account: only registered names can be moderators."));
  carol.send({ request: "register", content: "carols password" });
  await carol.next();
  mod.send({ request: "op", content: "carol" });
  expectResponse(await mod.next(), info("carol was made a moderator by mod."));
  await Promise.all([carol, dave].map((peer) => peer.drain()));
  carol.send({ request: "kick", content: "dave" });
  expectResponse(await dave.next(), error("You were kicked by carol."));
  await Promise.all([mod, carol].map((peer) => peer.drain()));
  mod.send({ request: "deop", content: "carol" });
  expectResponse(await carol.next(), info("carol is no longer a moderator (mod)."));
  await mod.drain();
  carol.send({ request: "kick", content: "mod" });
  expectResponse(await carol.next(), error("'kick' is for moderators only."));
  mod.send({ request: "deop", content: "mod" });
  expect((await mod.next()).content).toBe("mod is a moderator by the server's --op flag; restart without it instead.");
});

test("a deleted newest message's id is never given to another message, even after a restart, and its text is gone from the disk", async () => {
  const db = join(dir, "ids.db");
  const first = await spawnServer(["--db", db]);
  const author = await RawPeer.connect(first.port);
  await author.login("mod");
  author.send({ request: "register", content: PASSWORD });
  await author.next();
  await first.signal("SIGTERM");
  const second = await spawnServer(["--db", db, "--op", "mod"]);
  const mod = await RawPeer.connect(second.port);
  mod.send({ request: "login", content: `mod ${PASSWORD}` });
  await mod.take(2);
  mod.send({ request: "msg", content: "first" });
  mod.send({ request: "msg", content: "newest" });
  const [, newest] = await mod.take(2);
  mod.send({ request: "delete", content: newest.id });
  expect((await mod.next()).content).toBe(`Message ${newest.id} was deleted by mod.`);
  await second.signal("SIGTERM");
  const stored = readdirSync(dir).filter((name) => name.startsWith("ids.db")).map((name) => readFileSync(join(dir, name)).toString("latin1")).join("");
  expect(stored).toContain('"first"');
  expect(stored).not.toContain('"newest"');
  const third = await spawnServer(["--db", db]);
  const later = await RawPeer.connect(third.port);
  await later.login("later");
  later.send({ request: "msg", content: "after the restart" });
  expect((await later.next()).id).toBe(newest.id + 1);
  await third.signal("SIGTERM");
});

test("moderators cannot kick each other", async () => {
  const mod = await moderator();
  mod.send({ request: "kick", content: "mod" });
  expectResponse(await mod.next(), error("mod is a moderator; deop them first."));
});


test("accounts, moderators and bans persist across a restart, and moderator actions are logged", async () => {
  const db = join(dir, "bans.db");
  const setup = await spawnServer(["--db", db]);
  const owner = await RawPeer.connect(setup.port);
  await owner.login("mod");
  owner.send({ request: "register", content: PASSWORD });
  await owner.next();
  expect(await setup.signal("SIGTERM")).toBe(0);

  const first = await spawnServer(["--db", db, "--op", "mod", "--op", "nobody"]);
  expect(first.log()).toContain("--op nobody ignored: no account has that name");
  const mod = await RawPeer.connect(first.port);
  mod.send({ request: "login", content: `mod ${PASSWORD}` });
  await mod.take(2);
  mod.send({ request: "ban", content: "troll" });
  expect((await mod.next()).content).toBe("troll was banned by mod.");
  expect(await first.signal("SIGTERM")).toBe(0);
  expect(first.log()).toContain("moderation: troll was banned by mod.");

  const second = await spawnServer(["--db", db, "--op", "mod"]);
  const troll = await RawPeer.connect(second.port);
  troll.send({ request: "login", content: "troll" });
  expect((await troll.next()).content).toBe("You are banned for good.");
  const impostor = await RawPeer.connect(second.port);
  impostor.send({ request: "login", content: "mod" });
  expect((await impostor.next()).content).toBe("mod is registered: log in with login mod <password>.");
  await second.signal("SIGTERM");
});
