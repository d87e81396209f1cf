// Conformance support: a fresh server per test, tracked peers, and the exact responses docs/protocol.md §3 names.
import { afterEach, beforeEach, expect } from "bun:test";
import type { RunningServer, ServerOptions } from "../../ktn/server/listener.ts";
import type { Inbox } from "./inbox.ts";
import { ISO_TIMESTAMP, RawPeer, startTestServer, comparable, type Read } from "./wire.ts";

/** The parts of a response a test compares exactly; the timestamp is checked on its own. */
export interface Expected {
  sender: string;
  response: string;
  content: unknown;
}

export const info = (content: string): Expected => ({ sender: "server", response: "info", content });
export const error = (content: string): Expected => ({ sender: "server", response: "error", content });
export const history = (content: string[]): Expected => ({ sender: "server", response: "history", content });
export const message = (sender: string, content: string): Expected => ({ sender, response: "message", content });

export const welcome = (username: string) => info(`Login successful. Welcome, ${username}!`);
export const joined = (username: string) => info(`${username} joined the chat.`);
export const left = (username: string) => info(`${username} left the chat.`);
export const notLoggedIn = (request: string) =>
  error(`Log in first: '${request}' needs login <username>. Before login only login and help are accepted.`);

/** Asserts one response exactly: its timestamp is an ISO 8601 UTC string, and everything else is `expected`. */
export function expectResponse(actual: any, expected: Expected): void {
  const keys = ["content", "response", "sender", "timestamp"];
  // A message also carries its id, an added key for moderators' `delete`.
  expect(Object.keys(actual).sort()).toEqual(actual.response === "message" ? ["content", "id", ...keys.slice(1)] : keys);
  expect(actual.timestamp).toMatch(ISO_TIMESTAMP);
  expect(comparable(actual)).toEqual(expected);
}

/** Logs a peer of any transport in, asserting the welcome and consuming the history. */
export async function logIn<Peer extends Inbox>(peer: Peer, username: string): Promise<Peer> {
  const [hello, past] = await peer.login(username);
  expectResponse(hello, welcome(username));
  expect(past.response).toBe("history");
  return peer;
}

/** Asserts a run of responses exactly, in order. */
export function expectResponses(actual: any[], expected: Expected[]): void {
  expect(actual.map(comparable)).toEqual(expected);
  for (const response of actual) expectResponse(response, comparable(response));
}

/** Each read a peer saw, as text, so a test can say exactly what shared a read. */
export function readTexts(reads: readonly Read[]): string[] {
  return reads.map((read) => read.bytes.toString("utf8"));
}

/** Milliseconds between consecutive reads. */
export function gapsBetween(reads: readonly Read[]): number[] {
  return reads.slice(1).map((read, i) => read.at - reads[i]!.at);
}

/** Waits until `peer` has seen `count` reads, or fails after `timeoutMs`. */
export async function waitForReads(peer: RawPeer, count: number, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (peer.reads.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${peer.reads.length} of ${count} reads within ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
}

export interface TestServer {
  readonly server: RunningServer;
  readonly port: number;
  /** A connected peer that is closed after the test. */
  connect(): Promise<RawPeer>;
  /** A newline-framed peer, logged in, its welcome and history consumed. */
  loggedIn(username: string): Promise<RawPeer>;
  /** A legacy peer (bare JSON, no newline), logged in, its welcome and history consumed. */
  legacyLoggedIn(username: string): Promise<RawPeer>;
}

/**
 * Registers a fresh server for every test of the file, so no test sees another's users or history.
 * Options may be a function, for what must be fresh per test too (a store with accounts in it).
 */
export function useServer(options: ServerOptions | (() => Promise<ServerOptions>) = {}): TestServer {
  let server: RunningServer | null = null;
  let peers: RawPeer[] = [];
  beforeEach(async () => {
    server = await startTestServer(typeof options === "function" ? await options() : options);
  });
  afterEach(() => {
    for (const peer of peers) if (!peer.closed) peer.abort();
    peers = [];
    server?.stop();
    server = null;
  });
  const handle: TestServer = {
    get server() {
      if (!server) throw new Error("no server: useServer() hooks have not run");
      return server;
    },
    get port() {
      return handle.server.port;
    },
    async connect() {
      const peer = await RawPeer.connect(handle.port);
      peers.push(peer);
      return peer;
    },
    async loggedIn(username) {
      return logIn(await handle.connect(), username);
    },
    async legacyLoggedIn(username) {
      const peer = await handle.connect();
      peer.sendBare({ request: "login", content: username });
      const [hello, past] = await peer.take(2);
      expectResponse(hello, welcome(username));
      expect(past.response).toBe("history");
      return peer;
    },
  };
  return handle;
}
