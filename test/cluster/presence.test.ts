// Presence across nodes: names unique cluster-wide, names/rooms and notices span every node, a dead node's users fade out.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ask, closeAll, loggedIn, quiet, startCluster, TEST_PRESENCE_TTL_MS, until, type TestCluster } from "../support/cluster.ts";
import { DEFAULT_PRESENCE_TTL_MS } from "../../ktn/server/options.ts";
import { freePort } from "../support/redis.ts";
import { RawPeer } from "../support/wire.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster(3);
});
afterAll(() => cluster.dispose());

test("the same name sent to two nodes at the same moment: exactly one wins, the other gets the usual error (20 rounds)", async () => {
  const [a, b] = cluster.nodes;
  const everyone: RawPeer[] = [];
  for (let round = 0; round < 20; round++) {
    const peers = await Promise.all([RawPeer.connect(a!.port), RawPeer.connect(b!.port)]);
    // Different case on each node: the names must still collide.
    peers[0]!.send({ request: "login", content: `race${round}` });
    peers[1]!.send({ request: "login", content: `RACE${round}` });
    const answers = await Promise.all(peers.map((peer) => peer.next(3000)));
    const won = answers.filter((answer) => answer.response === "info" && answer.content.startsWith("Login successful"));
    const lost = answers.filter((answer) => answer.response === "error");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].content).toMatch(/^Username 'race\d+' is taken\. Choose another username\.$/i);
    everyone.push(...peers);
  }
  await closeAll(everyone);
});

test("names and rooms count everyone on every node; join and leave notices reach the room on every node", async () => {
  const [a, b, c] = cluster.nodes;
  const ann = await loggedIn(a!, "ann");
  const ben = await loggedIn(b!, "ben");
  expect((await until(ann, (r) => r.response === "info")).content).toBe("ben joined the chat.");
  const cyd = await loggedIn(c!, "cyd");
  for (const peer of [ann, ben]) expect((await until(peer, (r) => r.response === "info")).content).toBe("cyd joined the chat.");

  // In the order they entered the lobby, whichever node they are on.
  expect((await ask(cyd, "names")).content).toBe("3 users in the chat: ann, ben, cyd");

  ben.send({ request: "join", content: "Ops" });
  expect((await ben.take(2))[0].content).toBe("You are in Ops now.");
  for (const peer of [ann, cyd]) expect((await until(peer, (r) => r.response === "info")).content).toBe("ben left for Ops.");
  const cydIn = await RawPeer.connect(c!.port);
  await cydIn.login("dee");
  cydIn.send({ request: "join", content: "ops" });
  await cydIn.take(2);
  expect((await until(ben, (r) => r.response === "info")).content).toBe("dee joined Ops.");
  await until(ann, (r) => r.content === "dee left for Ops.");
  expect((await ask(ann, "names")).content).toBe("2 users in the chat: ann, cyd");
  expect((await ask(ben, "names")).content).toBe("2 users in Ops: ben, dee");
  expect((await ask(ann, "rooms")).content).toBe("2 rooms: lobby (2), Ops (2). You are in lobby.");

  cydIn.close();
  expect((await until(ben, (r) => r.response === "info")).content).toBe("dee left the chat.");
  await closeAll([ann, ben, cyd]);
});

test("a node killed with SIGKILL: within 10 s its users leave every other node's names, their room hears it once, the name is free", async () => {
  const doomed = await cluster.addNode();
  const [a, b] = cluster.nodes;
  const watchers = [await loggedIn(a!, "watchA"), await loggedIn(b!, "watchB")];
  const victims = [await loggedIn(doomed, "victim1"), await loggedIn(doomed, "victim2")];
  for (const watcher of watchers) await until(watcher, (r) => r.content === "victim2 joined the chat.");
  const killedAt = Date.now();
  doomed.kill();

  // Two nodes survive: each member must hear each leave once, not once per surviving node.
  for (const watcher of watchers) {
    const heard: string[] = [];
    for (let i = 0; i < 2; i++) heard.push((await until(watcher, (r) => r.response === "info" && r.content.startsWith("victim"), 10_000)).content);
    expect(heard.sort()).toEqual(["victim1 left the chat.", "victim2 left the chat."]);
    expect(await watcher.silentFor(TEST_PRESENCE_TTL_MS)).toBe(true);
  }
  expect(Date.now() - killedAt).toBeLessThan(10_000);
  for (const watcher of watchers) expect((await ask(watcher, "names")).content).not.toContain("victim");
  const again = await loggedIn(b!, "victim1");
  again.close();
  await closeAll([...watchers, ...victims]);
}, 20_000);

test("with the default heartbeat, a node killed with SIGKILL is gone from the other node's names within 10 s", async () => {
  const own = await startCluster(2, ["--presence-ttl", String(DEFAULT_PRESENCE_TTL_MS)]);
  try {
    const [survivor, doomed] = own.nodes;
    const watcher = await loggedIn(survivor!, "watcher");
    const victim = await loggedIn(doomed!, "victim");
    await until(watcher, (r) => r.content === "victim joined the chat.");
    const killedAt = Date.now();
    doomed!.kill();
    expect((await until(watcher, (r) => r.response === "info", 10_000)).content).toBe("victim left the chat.");
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect((await ask(watcher, "names")).content).toBe("1 user in the chat: watcher");
    (await loggedIn(survivor!, "victim")).close();
    await closeAll([watcher, victim]);
  } finally {
    await own.dispose();
  }
}, 20_000);

test("two nodes started with --reuse-port share one port; the kernel spreads connections across them, and they are one chat", async () => {
  const port = freePort();
  const shared = await Promise.all([0, 1].map(() => cluster.addNode(["--reuse-port", "--port", String(port)])));
  expect(shared.map((node) => node.port)).toEqual([port, port]);
  const peers: RawPeer[] = [];
  for (let i = 0; i < 16; i++) peers.push(await loggedIn(shared[0]!, `spread${i}`));
  const perNode = shared.map((node) => (node.log().match(/logged in as spread/g) ?? []).length);
  expect(perNode[0]! + perNode[1]!).toBe(16);
  expect(Math.min(...perNode)).toBeGreaterThan(0);
  const checker = await loggedIn(shared[1]!, "spreadcheck");
  expect((await ask(checker, "names")).content).toMatch(/^17 users in the chat: spread0, spread1, .*spread15, spreadcheck$/);
  // Killed with users still on them, the nodes would be reaped (with notices) during the next test.
  await closeAll([...peers, checker]);
  for (const node of shared) node.kill();
});

test("Redis away for longer than the heartbeat, one node slower to come back: no live user is reported gone", async () => {
  const [a, b] = cluster.nodes;
  const stay = [await loggedIn(a!, "stayA"), await loggedIn(b!, "stayB")];
  await quiet(stay);
  // Node b is held (SIGSTOP) through the outage and a moment past it, so node a is back first and
  // finds b's heartbeat expired, like every heartbeat: reaping at once would report stayB gone.
  process.kill(b!.pid, "SIGSTOP");
  try {
    await cluster.redis.stop();
    await Bun.sleep(2 * TEST_PRESENCE_TTL_MS);
    await cluster.redis.restart();
    await Bun.sleep(0.5 * TEST_PRESENCE_TTL_MS);
  } finally {
    process.kill(b!.pid, "SIGCONT");
  }
  await Bun.sleep(3 * TEST_PRESENCE_TTL_MS);
  for (const peer of stay) {
    expect(peer.closed).toBe(false);
    expect(await peer.silentFor(100)).toBe(true);
  }
  expect((await ask(stay[0]!, "names")).content).toMatch(/^\d+ users in the chat: .*stayA, stayB/);
  await closeAll(stay);
}, 20_000);

test("a node stopped with SIGTERM: the others hear its users leave at once, not a heartbeat later", async () => {
  const leaving = await cluster.addNode();
  const [a] = cluster.nodes;
  const watcher = await loggedIn(a!, "termWatch");
  const goer = await loggedIn(leaving, "termGoer");
  await until(watcher, (r) => r.content === "termGoer joined the chat.");
  const started = Date.now();
  expect(await leaving.signal("SIGTERM")).toBe(0);
  expect((await until(watcher, (r) => r.response === "info", 3000)).content).toBe("termGoer left the chat.");
  expect(Date.now() - started).toBeLessThan(TEST_PRESENCE_TTL_MS + 2000);
  expect(await watcher.silentFor(TEST_PRESENCE_TTL_MS * 2)).toBe(true);
  await closeAll([watcher, goer]);
}, 20_000);
