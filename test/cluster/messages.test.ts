// Messages across nodes: exactly once per member, one order per room on every node, history agreeing
// with it; course clients and per-node limits on a cluster node as on a single server.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { loggedIn, quiet, startCluster, until, type TestCluster } from "../support/cluster.ts";
import { readTexts } from "../support/conformance.ts";
import { spawnNonReader } from "../support/process.ts";
import { comparable, RawPeer } from "../support/wire.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster(2, ["--flood-burst", "500", "--flood-rate", "500", "--legacy-gap", "40"]);
});
afterAll(() => cluster.dispose());

const PER_SENDER = 60;

test("messages from senders on two nodes: every member on every node gets each once, all in one order, and history agrees with the ids", async () => {
  const [a, b] = cluster.nodes;
  const senders = [await loggedIn(a!, "sendA"), await loggedIn(b!, "sendB")];
  const readers = [await loggedIn(a!, "readA1"), await loggedIn(a!, "readA2"), await loggedIn(b!, "readB1"), await loggedIn(b!, "readB2")];
  const everyone = [...senders, ...readers];
  await Bun.sleep(200);
  for (const peer of everyone) await peer.drain();

  // Both senders in bursts at the same moments: a node delivering its own messages first would disagree with the other.
  for (let burst = 0; burst < 6; burst++) {
    senders.forEach((sender, s) => {
      const lines = Array.from({ length: PER_SENDER / 6 }, (_, i) => JSON.stringify({ request: "msg", content: `s${s} m${burst * 10 + i}` }) + "\n");
      sender.sendRaw(lines.join(""));
    });
    await Bun.sleep(5);
  }
  const seen = await Promise.all(everyone.map((peer) => peer.take(2 * PER_SENDER, 5000)));
  const order = seen[0]!.map((response) => `${response.id} ${response.sender} ${response.content}`);
  for (const list of seen) {
    expect(list.every((response) => response.response === "message")).toBe(true);
    expect(list.map((response) => `${response.id} ${response.sender} ${response.content}`)).toEqual(order);
  }
  expect(new Set(order).size).toBe(2 * PER_SENDER);
  for (const s of [0, 1]) {
    // Each sender's own messages keep the order it sent them in.
    const own = seen[0]!.filter((response) => response.content.startsWith(`s${s} `)).map((response) => response.content);
    expect(own).toEqual(Array.from({ length: PER_SENDER }, (_, i) => `s${s} m${i}`));
  }
  const ids = seen[0]!.map((response) => response.id);
  expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  for (const peer of everyone) expect(await peer.silentFor(100)).toBe(true);

  // History asked on either node lists the same messages, in the same order, with the same ids.
  const live = seen[0]!.map((response) => JSON.stringify(response));
  for (const node of [a!, b!]) {
    const late = await RawPeer.connect(node.port);
    const [, history] = await late.login(`late${node.port}`);
    expect(history.content.slice(-live.length)).toEqual(live);
    late.close();
  }
  for (const peer of everyone) peer.close();
});

test("a course client (bare JSON) on a cluster node gets the same keys, one response per read, paced, each within 4096 bytes", async () => {
  const [a, b] = cluster.nodes;
  const writer = await loggedIn(b!, "longwriter");
  writer.send({ request: "join", content: "Long" });
  await writer.take(2);
  for (let i = 0; i < 12; i++) writer.send({ request: "msg", content: `${i} ${"x".repeat(900)}` });
  await writer.take(12, 5000);

  const course = await RawPeer.connect(a!.port);
  course.sendBare({ request: "login", content: "course" });
  // The lobby holds the first test's messages, more than one read can take.
  const [welcome, cut, lobbyHistory] = await course.take(3);
  expect(comparable(welcome)).toEqual({ sender: "server", response: "info", content: "Login successful. Welcome, course!" });
  expect(cut.content).toMatch(/^History: \d+ older messages? not shown, too long for one read\.$/);
  expect(Object.keys(lobbyHistory)).toEqual(["timestamp", "sender", "response", "content"]);
  course.sendBare({ request: "join", content: "long" });
  const [moved, notice, history] = await course.take(3);
  expect(moved.content).toBe("You are in Long now.");
  expect(notice.content).toMatch(/^History: \d+ older messages? not shown, too long for one read\.$/);
  expect(history.response).toBe("history");
  expect(history.content.length).toBeGreaterThan(0);
  expect(JSON.parse(history.content.at(-1)).content).toStartWith("11 ");

  writer.send({ request: "msg", content: "short one" });
  const live = await until(course, (r) => r.response === "message");
  expect(Object.keys(live)).toEqual(["timestamp", "sender", "response", "content", "id"]);
  expect(comparable(live)).toEqual({ sender: "longwriter", response: "message", content: "short one" });

  const texts = readTexts(course.reads);
  expect(texts).toHaveLength(course.reads.length);
  for (const text of texts) {
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(text.indexOf("\n")).toBe(text.length - 1);
  }
  const gaps = course.reads.slice(1).map((read, i) => read.at - course.reads[i]!.at);
  for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(40 * 0.6);
  writer.close();
  course.close();
});

test("flood control, the frame limit and the login deadline hold on a cluster node as on a single server", async () => {
  const strict = await cluster.addNode(["--flood-burst", "5", "--flood-rate", "2", "--max-frame", "1000", "--login-timeout", "1"]);
  const flooder = await loggedIn(strict, "flooder");
  flooder.sendRaw(Array.from({ length: 12 }, (_, i) => JSON.stringify({ request: "msg", content: `f${i}` }) + "\n").join(""));
  const flood = await until(flooder, (r) => r.response === "error");
  expect(flood.content).toStartWith("Flood control:");

  const big = await RawPeer.connect(strict.port);
  big.sendRaw(JSON.stringify({ request: "login", content: "x".repeat(2000) }));
  expect((await big.next()).content).toBe("Request too large: the limit is 1000 bytes. Disconnecting.");
  await big.waitClosed();

  const idle = await RawPeer.connect(strict.port);
  expect((await idle.next(3000)).content).toBe("No login within 1 seconds. Disconnecting.");
  await idle.waitClosed();
  flooder.close();
  strict.kill();
});

/** Responses until `count` messages and the notice have come, bounded in count and in time (10 s). */
async function messagesAndLeave(peer: RawPeer, count: number, notice: string): Promise<any[]> {
  const heard: any[] = [];
  const deadline = Date.now() + 10_000;
  let messages = 0, noticed = false;
  for (let i = 0; i < count + 20 && (messages < count || !noticed); i++) {
    const response = await peer.next(Math.max(1, deadline - Date.now()));
    heard.push(response);
    if (response.response === "message") messages++;
    else if (response.content === notice) noticed = true;
  }
  return heard;
}

test("a client that stops reading is dropped by its node once its queue passes the limit; nobody else on any node loses a message", async () => {
  const [, b] = cluster.nodes;
  const strict = await cluster.addNode(["--max-queue", "262144"]);
  // A peer with a tiny receive buffer that never reads: the kernel soon stops taking its node's writes.
  const sleeper = spawnNonReader(strict.port, "sleeper");
  try {
    for (let i = 0; i < 100 && !strict.log().includes("logged in as sleeper"); i++) await Bun.sleep(20);
    const neighbour = await loggedIn(strict, "neighbour");
    const loud = await loggedIn(b!, "loud");
    await quiet([neighbour, loud]);
    const text = "z".repeat(900);
    let sent = 0;
    for (let batch = 0; batch < 300 && !strict.log().includes("(sleeper) dropped"); batch++) {
      loud.sendRaw(Array.from({ length: 20 }, (_, i) => JSON.stringify({ request: "msg", content: `${sent + i} ${text}` }) + "\n").join(""));
      sent += 20;
      await Bun.sleep(5);
    }
    expect(strict.log()).toContain("(sleeper) dropped: more than 262144 bytes unread");
    for (const peer of [neighbour, loud]) {
      const heard = await messagesAndLeave(peer, sent, "sleeper left the chat.");
      expect(heard.filter((r) => r.response === "message").map((r) => Number(r.content.split(" ")[0]))).toEqual(Array.from({ length: sent }, (_, i) => i));
      // A join notice from another node may still be on its way under load; any other notice is wrong.
      expect(heard.filter((r) => r.response !== "message" && !/ joined the chat\.$/.test(r.content)).map((r) => r.content)).toEqual(["sleeper left the chat."]);
    }
    for (const peer of [neighbour, loud]) peer.close();
  } finally {
    sleeper.kill();
    strict.kill();
  }
}, 30_000);
