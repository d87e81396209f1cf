// Outages: Redis restarting mid-chat, a node killed after acknowledging messages, Redis unreachable at
// start, and garbage that someone else wrote into our keys and channel.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { ask, loggedIn, quiet, startCluster, until, type TestCluster } from "../support/cluster.ts";
import { freePort } from "../support/redis.ts";
import { RawPeer } from "../support/wire.ts";

const SERVER = join(import.meta.dir, "..", "..", "server.ts");
let cluster: TestCluster;
beforeAll(async () => {
  // A long heartbeat: a Redis frozen for seconds must not make the nodes reap each other's users.
  cluster = await startCluster(2, ["--flood-burst", "100", "--presence-ttl", "10000"]);
});
afterAll(() => cluster.dispose());

/** Asks `names` every 100 ms until it is answered, bounded at 10 s; returns what else arrived meanwhile. */
async function waitUntilAnswered(peer: RawPeer): Promise<any[]> {
  const other: any[] = [];
  for (let i = 0; i < 100; i++) {
    peer.send({ request: "names" });
    for (let j = 0; j < 20; j++) {
      const answer = await peer.next(3000);
      if (/^\d+ users? in /.test(answer.content)) return other;
      if (answer.response === "error" && /try again/i.test(answer.content)) break;
      other.push(answer);
    }
    await Bun.sleep(100);
  }
  throw new Error("requests still refused 10 s after Redis came back");
}

test("Redis restarts mid-chat: requests get a clear error within 2 s, nobody is disconnected, and afterwards every message arrives exactly once", async () => {
  const [a, b] = cluster.nodes;
  const ann = await loggedIn(a!, "ann");
  const bob = await loggedIn(b!, "bob");
  const leaver = await loggedIn(b!, "leaver");
  await quiet([ann, bob, leaver]);
  ann.send({ request: "msg", content: "before" });
  for (const peer of [ann, bob]) expect((await peer.next()).content).toBe("before");

  await cluster.redis.stop();
  for (const [request, content] of [["msg", "during"], ["names", null], ["rooms", null], ["join", "elsewhere"]] as const) {
    const started = Date.now();
    const answer = await ask(ann, request, content);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(answer.response).toBe("error");
    expect(answer.content).toMatch(/try again/i);
  }
  const newcomer = await RawPeer.connect(b!.port);
  const started = Date.now();
  const refused = await ask(newcomer, "login", "newcomer");
  expect(Date.now() - started).toBeLessThan(2000);
  expect(refused).toMatchObject({ response: "error" });
  expect(refused.content).toMatch(/try again/i);
  // Leaving while Redis is away: the name is given back once it returns.
  leaver.close();
  await Bun.sleep(300);

  await cluster.redis.restart();
  await waitUntilAnswered(ann);
  const meanwhile = await waitUntilAnswered(bob);
  expect(ann.closed || bob.closed).toBe(false);
  // The leave Redis missed is announced once it is back (to the node that had the user at least: the
  // other may still be subscribing again then, and pub/sub keeps nothing for a missing subscriber).
  if (!meanwhile.some((r) => r.content === "leaver left the chat.")) await until(bob, (r) => r.content === "leaver left the chat.", 5000);
  for (let i = 0; i < 5; i++) {
    ann.send({ request: "msg", content: `after a${i}` });
    bob.send({ request: "msg", content: `after b${i}` });
  }
  for (const peer of [ann, bob]) {
    const got: string[] = [];
    for (let i = 0; i < 10; i++) got.push((await until(peer, (r) => r.response === "message", 5000)).content);
    expect(got.sort()).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`after a${i}`, `after b${i}`]).sort());
    // A subscription made twice would deliver each a second time.
    expect(await peer.silentFor(300)).toBe(true);
  }
  const again = await loggedIn(a!, "leaver");
  for (const peer of [ann, bob, again, newcomer]) peer.close();
}, 30_000);

test("Redis frozen (SIGSTOP): every request that needs it is answered with an error within 2 s instead of hanging", async () => {
  const [a] = cluster.nodes;
  const ann = await loggedIn(a!, "frozenAnn");
  await quiet([ann]);
  cluster.redis.pause();
  try {
    for (const [request, content] of [["names", null], ["msg", "into the void"]] as const) {
      const started = Date.now();
      const answer = await ask(ann, request, content);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(answer.response).toBe("error");
      expect(answer.content).toMatch(/try again/i);
    }
    expect((await ask(ann, "help")).response).toBe("info");
  } finally {
    cluster.redis.resume();
  }
  await waitUntilAnswered(ann);
  ann.close();
}, 20_000);

test("a message whose echo its author saw survives SIGKILL of the node and a restart of Redis", async () => {
  const doomed = await cluster.addNode();
  const author = await loggedIn(doomed, "author");
  author.send({ request: "join", content: "Durable" });
  await author.take(2);
  for (let i = 0; i < 20; i++) author.send({ request: "msg", content: `keep ${i}` });
  const echoes = await author.take(20, 5000);
  doomed.kill();
  await cluster.redis.restart();
  // The node may not be back on Redis yet: its login is refused (try again) until it is.
  const reader = await RawPeer.connect(cluster.nodes[0]!.port);
  for (let i = 0; i < 100; i++) {
    const answer = await ask(reader, "login", "reader");
    if (answer.response === "info") break;
    expect(answer.content).toMatch(/try again/i);
    await Bun.sleep(100);
  }
  await reader.next();
  reader.send({ request: "join", content: "durable" });
  const [, history] = await reader.take(2, 3000);
  expect(history.content).toEqual(echoes.map((echo) => JSON.stringify(echo)));
  reader.close();
}, 30_000);

test("a node whose Redis cannot be reached exits with code 1 within 10 s naming the URL; a malformed URL is a usage error", async () => {
  const url = `redis://127.0.0.1:${freePort()}`;
  const started = Date.now();
  const unreachable = Bun.spawn(["bun", SERVER, "--port", "0", "--redis", url], { stdout: "ignore", stderr: "pipe" });
  expect(await unreachable.exited).toBe(1);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(await new Response(unreachable.stderr).text()).toContain(url);
  for (const bad of ["http://127.0.0.1:6379", "redis://127.0.0.1", "redis://127.0.0.1:99999", "redis://127.0.0.1:6379/x"]) {
    const malformed = Bun.spawn(["bun", SERVER, "--port", "0", "--redis", bad], { stdout: "ignore", stderr: "pipe" });
    expect(await malformed.exited).toBe(2);
    expect(await new Response(malformed.stderr).text()).toContain("--redis must look like redis://HOST:PORT");
  }
}, 30_000);

test("garbage written into our keys and channel is logged and skipped; the node goes on serving", async () => {
  const [a, b] = cluster.nodes;
  const p = cluster.name;
  const ann = await loggedIn(a!, "garbageAnn");
  const bob = await loggedIn(b!, "garbageBob");
  await quiet([ann, bob]);
  const garbage: string[][] = [
    ["PUBLISH", `${p}:bus`, "not json at all"],
    ["PUBLISH", `${p}:bus`, "x".repeat(5 * 1024 * 1024)],
    ["PUBLISH", `${p}:bus`, JSON.stringify({ k: "m", node: "someone", b: 1, m: [["lobby", { response: "message" }]] })],
    ["PUBLISH", `${p}:bus`, JSON.stringify({ k: "n", room: "lobby", text: 42 })],
    ["PUBLISH", `${p}:bus`, JSON.stringify({ k: "x", name: "garbageann" })],
    ["PUBLISH", `${p}:bus`, "[1,2,3]"],
    ["ZADD", `${p}:history:lobby`, "999999", "not a message"],
    ["ZADD", `${p}:history:lobby`, "999998", JSON.stringify({ response: "message", content: ["no"] })],
    ["HSET", `${p}:bans`, "name:whoever", "{broken"],
    ["HSET", `${p}:rooms`, "evil", "<script>"],
    ["HSET", `${p}:accounts`, "eve", "not a password hash"],
    ["SET", `${p}:user:zed`, "a string where a hash belongs"],
    ["SADD", `${p}:nodes`, "a-node-that-never-was"],
  ];
  for (const command of garbage) await cluster.redis.command(command);
  await Bun.sleep(300);
  for (const peer of [ann, bob]) {
    expect(peer.closed).toBe(false);
    expect(await peer.silentFor(100)).toBe(true);
  }
  ann.send({ request: "msg", content: "still here" });
  for (const peer of [ann, bob]) expect((await peer.next()).content).toBe("still here");
  const late = await RawPeer.connect(b!.port);
  const [welcome, history] = await late.login("eve");
  expect(welcome.content).toBe("Login successful. Welcome, eve!");
  expect(history.content.every((entry: string) => JSON.parse(entry).response === "message")).toBe(true);
  expect((await ask(late, "rooms")).content).not.toContain("script");
  const zed = await RawPeer.connect(a!.port);
  expect((await ask(zed, "login", "zed")).response).toBe("error");
  expect((await ask(zed, "help")).response).toBe("info");
  for (const node of [a!, b!]) expect(node.log()).toContain("skipped");
  for (const peer of [ann, bob, late, zed]) peer.close();
}, 20_000);
