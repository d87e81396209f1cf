// Moderation across nodes: whisper, kick, ban, unban, op, deop and delete act on users wherever they
// are connected; accounts, moderators and bans live in Redis and survive the loss of any node.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ask, loggedIn, quiet, startCluster, until, type TestCluster } from "../support/cluster.ts";
import type { ServerProcess } from "../support/process.ts";
import { RawPeer } from "../support/wire.ts";

const PASSWORD = "correct horse";
let cluster: TestCluster;
/** A node started with --op boss once boss has registered on another node. */
let opNode: ServerProcess;

async function withPassword(node: ServerProcess, name: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(node.port);
  peer.send({ request: "login", content: `${name} ${PASSWORD}` });
  const welcome = await peer.next(5000);
  expect(welcome.content).toBe(`Login successful. Welcome, ${name}!`);
  await peer.next();
  return peer;
}

async function register(node: ServerProcess, name: string): Promise<void> {
  const peer = await loggedIn(node, name);
  expect((await ask(peer, "register", PASSWORD)).content).toStartWith(`${name} is registered.`);
  peer.close();
  await Bun.sleep(100);
}

beforeAll(async () => {
  cluster = await startCluster(2);
  await register(cluster.nodes[0]!, "boss");
  await register(cluster.nodes[1]!, "helper");
  // --op is checked against the accounts in Redis: boss registered on another node.
  opNode = await cluster.addNode(["--op", "boss"]);
});
afterAll(() => cluster.dispose());

test("a name registered on one node needs its password on every node", async () => {
  const [a, b] = cluster.nodes;
  for (const node of [a!, b!]) {
    const peer = await RawPeer.connect(node.port);
    peer.send({ request: "login", content: "helper" });
    expect((await peer.next()).content).toBe("helper is registered: log in with login helper <password>.");
    peer.close();
  }
  const again = await loggedIn(a!, "rival");
  expect((await ask(again, "register", PASSWORD)).content).toStartWith("rival is registered.");
  const twin = await RawPeer.connect(b!.port);
  twin.send({ request: "login", content: "RIVAL" });
  expect((await twin.next()).content).toBe("RIVAL is registered: log in with login RIVAL <password>.");
  twin.send({ request: "login", content: `RIVAL ${PASSWORD}` });
  expect((await twin.next(5000)).content).toBe("Username 'RIVAL' is taken. Choose another username.");
  twin.close();
  again.close();
});

test("whisper reaches a user on another node, and only that user", async () => {
  const [a, b] = cluster.nodes;
  const [ann, bob, bystander] = await Promise.all([loggedIn(a!, "whisperAnn"), loggedIn(b!, "whisperBob"), loggedIn(b!, "whisperBy")]);
  await quiet([ann, bob, bystander]);
  const echo = await ask(ann, "whisper", "whisperbob psst");
  expect(echo).toMatchObject({ sender: "whisperAnn", response: "message", content: "psst", to: "whisperBob" });
  expect(await bob.next()).toMatchObject({ sender: "whisperAnn", response: "message", content: "psst", to: "whisperBob" });
  expect(await bystander.silentFor(200)).toBe(true);
  expect((await ask(bob, "whisper", "nobodyHere hi")).content).toBe("No user named 'nobodyHere' is logged in.");
  for (const peer of [ann, bob, bystander]) peer.close();
});

test("kick, op, deop and delete from a moderator on a third node", async () => {
  const [a, b] = cluster.nodes;
  const boss = await withPassword(opNode, "boss");
  const helper = await withPassword(b!, "helper");
  const victim = await loggedIn(a!, "kickme");
  const watcher = await loggedIn(a!, "watcher");
  await quiet([boss, helper, victim, watcher]);

  boss.send({ request: "kick", content: "kickme spam" });
  expect((await victim.next()).content).toBe("You were kicked by boss: spam");
  await victim.waitClosed();
  for (const peer of [boss, helper, watcher]) expect((await until(peer, (r) => r.response === "info")).content).toBe("kickme was kicked by boss: spam");
  expect((await ask(watcher, "names")).content).not.toContain("kickme");

  expect((await ask(helper, "kick", "watcher")).content).toBe("'kick' is for moderators only.");
  boss.send({ request: "op", content: "helper" });
  for (const peer of [boss, helper, watcher]) expect((await until(peer, (r) => r.response === "info")).content).toBe("helper was made a moderator by boss.");
  await Bun.sleep(100);
  watcher.send({ request: "msg", content: "delete me" });
  const doomed = await until(helper, (r) => r.response === "message");
  helper.send({ request: "delete", content: String(doomed.id) });
  for (const peer of [boss, helper, watcher]) expect((await until(peer, (r) => r.response === "info")).content).toBe(`Message ${doomed.id} was deleted by helper.`);
  const late = await RawPeer.connect(opNode.port);
  const [, past] = await late.login("lateReader");
  expect(past.content.some((entry: string) => JSON.parse(entry).id === doomed.id)).toBe(false);
  late.close();

  boss.send({ request: "deop", content: "helper" });
  await until(helper, (r) => r.content === "helper is no longer a moderator (boss).");
  await Bun.sleep(100);
  expect((await ask(helper, "kick", "watcher")).content).toBe("'kick' is for moderators only.");
  for (const peer of [boss, helper, watcher]) peer.close();
  // Their names are given back a moment after the sockets close.
  await Bun.sleep(200);
});

test("a ban made on one node holds on every node, unban lifts it everywhere; bans, accounts and moderators survive the loss of every node", async () => {
  const [a, b] = cluster.nodes;
  const boss = await withPassword(opNode, "boss");
  boss.send({ request: "op", content: "helper" });
  await until(boss, (r) => r.content === "helper was made a moderator by boss.");
  const victim = await loggedIn(b!, "banme");
  await quiet([boss]);
  boss.send({ request: "ban", content: "banme trolling" });
  expect((await victim.next()).content).toBe("You were banned by boss: trolling");
  await victim.waitClosed();
  const retry = await RawPeer.connect(a!.port);
  retry.send({ request: "login", content: "banme" });
  expect((await retry.next()).content).toBe("You are banned for good: trolling");
  retry.close();

  // Every node goes; a new one, without --op, finds the ban, the accounts and the moderator in Redis.
  for (const node of [...cluster.nodes.splice(0), opNode]) node.kill();
  const fresh = await cluster.addNode();
  const again = await RawPeer.connect(fresh.port);
  again.send({ request: "login", content: "banme" });
  expect((await again.next()).content).toBe("You are banned for good: trolling");
  const helper = await withPassword(fresh, "helper");
  expect((await ask(helper, "unban", "banme")).content).toBe("banme was unbanned by helper.");
  again.send({ request: "login", content: "banme" });
  expect((await again.next(3000)).content).toBe("Login successful. Welcome, banme!");
  for (const peer of [again, helper, boss]) peer.close();
}, 20_000);
