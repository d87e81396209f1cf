// The web client on a cluster node: a WebSocket user is one of the chat like a TCP user on any other node.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { closeAll, loggedIn, startCluster, until, type TestCluster } from "../support/cluster.ts";
import type { ServerProcess } from "../support/process.ts";
import { comparable, RawPeer } from "../support/wire.ts";
import { WsPeer } from "../web/ws-peer.ts";

let cluster: TestCluster;
let tcpNode: ServerProcess;
let webPort: number;
beforeAll(async () => {
  cluster = await startCluster(1);
  tcpNode = cluster.nodes[0]!;
  const webNode = await cluster.addNode(["--http-port", "0"]);
  webPort = Number(/web client at http:\/\/[^:]+:(\d+)\//.exec(webNode.log())?.[1]);
});
afterAll(() => cluster.dispose());

test("a WebSocket user on one node and a TCP user on another: each message reaches both once, as the same JSON; names counts both; the leave is heard", async () => {
  expect(webPort).toBeGreaterThan(0);
  const tcp = await loggedIn(tcpNode, "tcpuser");
  const ws = await WsPeer.connect(webPort);
  ws.send({ request: "login", content: "webuser" });
  const [welcome, history] = await ws.take(2);
  expect(comparable(welcome)).toEqual({ sender: "server", response: "info", content: "Login successful. Welcome, webuser!" });
  expect(history.response).toBe("history");
  expect((await until(tcp, (r) => r.response === "info")).content).toBe("webuser joined the chat.");

  ws.send({ request: "msg", content: "from the browser" });
  const echo = await ws.next();
  expect(comparable(echo)).toEqual({ sender: "webuser", response: "message", content: "from the browser" });
  expect(await tcp.next()).toEqual(echo);
  tcp.send({ request: "msg", content: "from a terminal" });
  const seen = await tcp.next();
  expect(comparable(seen)).toEqual({ sender: "tcpuser", response: "message", content: "from a terminal" });
  expect(await ws.next()).toEqual(seen);
  expect(JSON.parse(ws.frames.at(-1)!)).toEqual(seen);
  expect(await ws.silentFor(200)).toBe(true);
  expect(await tcp.silentFor(0)).toBe(true);

  ws.send({ request: "names", content: null });
  expect((await ws.next()).content).toBe("2 users in the chat: tcpuser, webuser");
  const late = await RawPeer.connect(tcpNode.port);
  const [, past] = await late.login("lateuser");
  expect(past.content).toEqual([JSON.stringify(echo), JSON.stringify(seen)]);
  expect((await until(tcp, (r) => r.response === "info")).content).toBe("lateuser joined the chat.");
  ws.close();
  expect((await until(tcp, (r) => r.response === "info")).content).toBe("webuser left the chat.");
  await closeAll([tcp, late]);
});
