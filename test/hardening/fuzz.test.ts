// A seeded, bounded fuzz run: random and mutated frames from many connections, then a fresh client still works.
import { expect, test } from "bun:test";
import { spawnServer } from "../support/process.ts";
import { RawPeer, comparable } from "../support/wire.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const CONNECTIONS = 30;
const FRAMES_PER_CONNECTION = 60;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = [
  { request: "login", content: "fuzzer" },
  { request: "msg", content: "hello ø 🎉" },
  { request: "names", content: null },
  { request: "help" },
  { request: "logout", content: null },
  { request: "login", content: "x".repeat(40) },
  { request: "msg", content: "" },
];
const ODD_VALUES = [null, true, 0, -1.5e308, "", "🎉", [], {}, { request: null }, "__proto__", { constructor: 1 }];

function frame(rand: () => number, pick: <T>(list: T[]) => T): Uint8Array {
  const kind = rand();
  if (kind < 0.3) return Buffer.from(JSON.stringify(pick(VALID)) + (rand() < 0.5 ? "\n" : ""));
  if (kind < 0.5) return Buffer.from(JSON.stringify({ request: pick(["login", "msg", "names", pick(ODD_VALUES)]), content: pick(ODD_VALUES), sender: "server" }));
  if (kind < 0.8) {
    const bytes = Buffer.from(JSON.stringify(pick(VALID)));
    for (let i = 0; i < 1 + Math.floor(rand() * 4); i++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    return bytes;
  }
  return Buffer.from(Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
}

test(`the server survives ${CONNECTIONS * FRAMES_PER_CONNECTION} random and mutated frames (seed ${SEED})`, async () => {
  const rand = random(SEED);
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)]!;
  const server = await spawnServer(["--login-timeout", "30"]);
  const before = server.rssKiB();
  const peers = await Promise.all(Array.from({ length: CONNECTIONS }, () => RawPeer.connect(server.port)));
  for (let round = 0; round < FRAMES_PER_CONNECTION; round++) {
    for (const peer of peers) if (!peer.closed) peer.sendRaw(frame(rand, pick));
    await Bun.sleep(2);
  }
  await Bun.sleep(300);
  for (const peer of peers) if (!peer.closed) peer.close();

  const fresh = await RawPeer.connect(server.port);
  const [welcome, history] = await fresh.login("afterwards");
  expect(comparable(welcome)).toEqual({ sender: "server", response: "info", content: "Login successful. Welcome, afterwards!" });
  expect(history.response).toBe("history");
  fresh.send({ request: "msg", content: "still here" });
  let echo = await fresh.next();
  // Join and leave notices of fuzzing peers may still be on their way.
  for (let i = 0; i < 100 && echo.response === "info"; i++) echo = await fresh.next();
  expect(comparable(echo)).toEqual({ sender: "afterwards", response: "message", content: "still here" });
  const grown = server.rssKiB() - before;
  console.log(`fuzz seed ${SEED}: RSS grew ${grown} KiB`);
  expect(grown).toBeLessThan(30 * 1024);
  expect(await server.signal("SIGTERM")).toBe(0);
});
