// Test support: a cluster of `bun server.ts --redis …` processes sharing one real redis-server.
import { spawnServer, type ServerProcess } from "./process.ts";
import { startRedis, type RedisServer } from "./redis.ts";
import { RawPeer } from "./wire.ts";

/** Short, so a dead node's users are gone in about 2 s instead of about 7. */
export const TEST_PRESENCE_TTL_MS = 1200;

export interface TestCluster {
  redis: RedisServer;
  /** The cluster's name: the prefix of its keys and channel in Redis. */
  name: string;
  nodes: ServerProcess[];
  /** Starts one more node of this cluster. */
  addNode(args?: string[]): Promise<ServerProcess>;
  dispose(): Promise<void>;
}

let clusters = 0;

/** Starts redis-server, then `count` nodes at once (heartbeats of TEST_PRESENCE_TTL_MS unless `args` set --presence-ttl). */
export async function startCluster(count: number, args: string[] = []): Promise<TestCluster> {
  const redis = await startRedis();
  const name = `test${process.pid}x${clusters++}`;
  const nodes: ServerProcess[] = [];
  const addNode = async (more: string[] = []) => {
    const all = [...args, ...more];
    const ttl = all.includes("--presence-ttl") ? [] : ["--presence-ttl", String(TEST_PRESENCE_TTL_MS)];
    const node = await spawnServer(["--redis", redis.url, "--cluster", name, ...ttl, ...all]);
    nodes.push(node);
    return node;
  };
  await Promise.all(Array.from({ length: count }, () => addNode()));
  // Started concurrently, they came up in any order: keep them in port order so tests can name them.
  return {
    redis,
    name,
    nodes,
    addNode,
    async dispose() {
      for (const node of nodes) node.kill();
      await redis.dispose();
    },
  };
}

/** Connects and logs in; returns the peer with the login's info and history taken. */
export async function loggedIn(node: ServerProcess, username: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(node.port);
  const [welcome] = await peer.login(username);
  if (welcome.content !== `Login successful. Welcome, ${username}!`) throw new Error(`login ${username} failed: ${welcome.content}`);
  return peer;
}

/** Sends a request and returns the next response. */
export async function ask(peer: RawPeer, request: string, content: unknown = null): Promise<any> {
  peer.send({ request, content });
  return peer.next(3000);
}

/** Takes responses until one matches (the notices a test does not check are skipped), bounded in count and time. */
export async function until(peer: RawPeer, matches: (response: any) => boolean, timeoutMs = 3000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000; i++) {
    const response = await peer.next(Math.max(1, deadline - Date.now()));
    if (matches(response)) return response;
  }
  throw new Error("no matching response among 1000");
}

/**
 * Lets the notices of the logins just made arrive on every node, then takes them, so a test starts from
 * quiet peers. A notice from another node comes through Redis: on a loaded machine it can take more than
 * a moment, so a peer counts as quiet only after 100 ms without one.
 */
export async function quiet(peers: RawPeer[]): Promise<void> {
  await Bun.sleep(100);
  for (const peer of peers) await peer.drain(100);
}

/** Closes the peers and gives their nodes a moment to give the names back, so the next test starts from an empty chat. */
export async function closeAll(peers: RawPeer[]): Promise<void> {
  for (const peer of peers) peer.close();
  await Bun.sleep(200);
}
