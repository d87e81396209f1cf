// Conformance, docs/protocol.md §1 sending: a legacy peer (bare JSON, no newline) never gets two responses in one read,
// nor one response longer than one read; a newline-framed peer gets newline-terminated responses.
import { describe, expect, test } from "bun:test";
import { RawPeer } from "../support/wire.ts";
import { expectResponse, expectResponses, gapsBetween, history, info, joined, message, readTexts, useServer, waitForReads, welcome } from "../support/conformance.ts";

const GAP_MS = 40;
/** Timers and reads jitter; a gap clearly above zero and near the configured pause shows pacing. */
const MIN_SEEN_GAP_MS = GAP_MS * 0.6;

/** Each read holds exactly one response: compact JSON and one newline at its end. */
function expectOneResponsePerRead(peer: RawPeer): void {
  for (const text of readTexts(peer.reads)) {
    expect(text.endsWith("\n")).toBe(true);
    expect(text.indexOf("\n")).toBe(text.length - 1);
    const parsed = JSON.parse(text);
    expect(JSON.stringify(parsed) + "\n").toBe(text);
  }
}

describe("a legacy peer", () => {
  const chat = useServer({ limits: { legacyGapMs: GAP_MS } });

  test("gets the login info and the history in two reads, paced apart", async () => {
    const alice = await chat.connect();
    alice.sendBare({ request: "login", content: "alice" });
    expectResponses(await alice.take(2), [welcome("alice"), history([])]);
    expect(alice.reads).toHaveLength(2);
    expectOneResponsePerRead(alice);
    expect(gapsBetween(alice.reads)[0]).toBeGreaterThanOrEqual(MIN_SEEN_GAP_MS);
  });

  test("gets answers to two requests sent in one segment in two reads, paced apart", async () => {
    const alice = await chat.connect();
    alice.sendRaw('{"request": "help", "content": null}{"request": "names", "content": null}');
    const [help, refused] = await alice.take(2);
    expect(help.response).toBe("info");
    expect(refused.response).toBe("error");
    expect(alice.reads).toHaveLength(2);
    expectOneResponsePerRead(alice);
    expect(gapsBetween(alice.reads)[0]).toBeGreaterThanOrEqual(MIN_SEEN_GAP_MS);
  });

  test("gets a burst of broadcasts one per read, in order, none dropped, each pause near the gap", async () => {
    const alice = await chat.legacyLoggedIn("alice");
    const bob = await chat.loggedIn("bob");
    expectResponse(await alice.next(), joined("bob"));
    const before = alice.reads.length;
    const contents = ["one", "two", "three", "four", "five"];
    bob.sendRaw(contents.map((content) => JSON.stringify({ request: "msg", content }) + "\n").join(""));
    expectResponses(await alice.take(5), contents.map((content) => message("bob", content)));
    const burst = alice.reads.slice(before);
    expect(burst).toHaveLength(5);
    expectOneResponsePerRead(alice);
    for (const gap of gapsBetween(burst)) expect(gap).toBeGreaterThanOrEqual(MIN_SEEN_GAP_MS);
  });

  test("gets a response that comes a moment after the previous write only after the gap", async () => {
    const alice = await chat.legacyLoggedIn("alice");
    const bob = await chat.loggedIn("bob");
    expectResponse(await alice.next(), joined("bob"));
    const before = alice.reads.length;
    bob.send({ request: "msg", content: "first" });
    await waitForReads(alice, before + 1);
    bob.send({ request: "msg", content: "second" });
    expectResponses(await alice.take(2), [message("bob", "first"), message("bob", "second")]);
    const pair = alice.reads.slice(before);
    expect(pair).toHaveLength(2);
    expect(gapsBetween(pair)[0]).toBeGreaterThanOrEqual(MIN_SEEN_GAP_MS);
  });

  test("still gets its goodbye, then the close, when logout follows other responses", async () => {
    const alice = await chat.connect();
    alice.sendRaw('{"request": "login", "content": "alice"}{"request": "logout", "content": null}');
    expectResponses(await alice.take(3), [welcome("alice"), history([]), info("Goodbye, alice. You are logged out.")]);
    await alice.waitClosed();
    expect(alice.reads).toHaveLength(3);
    expectOneResponsePerRead(alice);
  });
});

describe("a legacy peer and the 4096-byte read", () => {
  const chat = useServer({ limits: { legacyGapMs: 5 } });

  test("gets a long history trimmed to the newest messages that fit in 4096 bytes, after an info saying how many were left out", async () => {
    const bob = await chat.loggedIn("bob");
    const texts = ["a", "b", "c", "d", "e", "f"].map((letter) => letter.repeat(800));
    for (const content of texts) bob.send({ request: "msg", content });
    const sent = (await bob.take(6)).map((response) => JSON.stringify(response));
    // Each entry takes 907 bytes: four fit in one 4096-byte response (3724 bytes), five do not (4632).
    const alice = await chat.connect();
    alice.sendBare({ request: "login", content: "alice" });
    const [hello, notice, past] = await alice.take(3);
    expectResponse(hello, welcome("alice"));
    expectResponse(notice, info("History: 2 older messages not shown, too long for one read."));
    expectResponse(past, history(sent.slice(2)));
    expect(alice.reads).toHaveLength(3);
    for (const read of alice.reads) expect(read.bytes.length).toBeLessThanOrEqual(4096);
  });

  test("gets a history that fits whole, with no notice", async () => {
    const bob = await chat.loggedIn("bob");
    bob.send({ request: "msg", content: "short" });
    const said = await bob.next();
    const alice = await chat.connect();
    alice.sendBare({ request: "login", content: "alice" });
    expectResponses(await alice.take(2), [welcome("alice"), history([JSON.stringify(said)])]);
    expect(await alice.silentFor(60)).toBe(true);
  });

  test("gets a message too long for one read shortened to fit 4096 bytes", async () => {
    const alice = await chat.legacyLoggedIn("alice");
    const bob = await chat.loggedIn("bob");
    await alice.next(); // bob joined
    // 1000 control characters are 1000 characters but 6000 bytes once JSON escapes them.
    const long = "\u0001".repeat(1000);
    const before = alice.reads.length;
    bob.send({ request: "msg", content: long });
    expectResponse(await bob.next(), message("bob", long));
    const got = await alice.next();
    expect(alice.reads.slice(before)).toHaveLength(1);
    expect(alice.reads[before]!.bytes.length).toBeLessThanOrEqual(4096);
    expect(got.sender).toBe("bob");
    expect(got.response).toBe("message");
    expect(long.startsWith(got.content.slice(0, -1))).toBe(true);
    expect(got.content.endsWith("…")).toBe(true);
    expect(Buffer.byteLength(JSON.stringify({ ...got, content: "\u0001" + got.content }) + "\n")).toBeGreaterThan(4096);
  });
});

describe("a legacy peer with a smaller read limit", () => {
  const chat = useServer({ limits: { legacyGapMs: 5, legacyMaxBytes: 1024, historyMessages: 50 } });

  test("gets a history trimmed to the configured read limit", async () => {
    const bob = await chat.loggedIn("bob");
    for (let i = 0; i < 10; i++) bob.send({ request: "msg", content: `message number ${i} ${"x".repeat(100)}` });
    const sent = (await bob.take(10)).map((response) => JSON.stringify(response));
    const alice = await chat.connect();
    alice.sendBare({ request: "login", content: "alice" });
    const [hello, notice, past] = await alice.take(3);
    expectResponse(hello, welcome("alice"));
    const kept = past.content as string[];
    expectResponse(notice, info(`History: ${10 - kept.length} older messages not shown, too long for one read.`));
    expectResponse(past, history(sent.slice(10 - kept.length)));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(10);
    for (const read of alice.reads) expect(read.bytes.length).toBeLessThanOrEqual(1024);
    const oneMore = JSON.stringify({ ...past, content: sent.slice(9 - kept.length) }) + "\n";
    expect(Buffer.byteLength(oneMore)).toBeGreaterThan(1024);
  });

  test("says 1 older message in the singular", async () => {
    const bob = await chat.loggedIn("bob");
    for (const letter of ["a", "b"]) bob.send({ request: "msg", content: letter.repeat(700) });
    const sent = (await bob.take(2)).map((response) => JSON.stringify(response));
    const alice = await chat.connect();
    alice.sendBare({ request: "login", content: "alice" });
    const [, notice, past] = await alice.take(3);
    expectResponse(notice, info("History: 1 older message not shown, too long for one read."));
    expectResponse(past, history(sent.slice(1)));
  });
});

/** Bytes one history entry takes: a message response by `sender` (with a one-digit id), JSON-encoded, then encoded again as a list element. */
function entryBytes(sender: string, content: string): number {
  const response = { timestamp: new Date(0).toISOString(), sender, response: "message", content, id: 1 };
  return Buffer.byteLength(JSON.stringify(JSON.stringify(response)));
}
const EMPTY_HISTORY_BYTES = Buffer.byteLength(JSON.stringify({ timestamp: new Date(0).toISOString(), sender: "server", response: "history", content: [] }) + "\n");
/** A read limit that two 300-character entries fill to the last byte: two entries, one comma, and the empty history. */
const EXACT_FIT = EMPTY_HISTORY_BYTES + 2 * entryBytes("bob", "x".repeat(300)) + 1;

describe("a legacy peer whose read two history entries fill exactly", () => {
  const chat = useServer({ limits: { legacyGapMs: 5, legacyMaxBytes: EXACT_FIT } });

  test("gets the newest messages that fit, down to the last byte", async () => {
    const bob = await chat.loggedIn("bob");
    for (const letter of ["a", "b", "c"]) bob.send({ request: "msg", content: letter + "x".repeat(299) });
    const sent = (await bob.take(3)).map((response) => JSON.stringify(response));
    const alice = await chat.connect();
    alice.sendBare({ request: "login", content: "alice" });
    const [, notice, past] = await alice.take(3);
    expectResponse(notice, info("History: 1 older message not shown, too long for one read."));
    expectResponse(past, history(sent.slice(1)));
    expect(alice.reads[2]!.bytes.length).toBe(EXACT_FIT);
  });
});

describe("a newline-framed peer", () => {
  const chat = useServer({ limits: { legacyGapMs: GAP_MS } });

  test("gets every response as compact JSON terminated by a newline", async () => {
    const alice = await chat.loggedIn("alice");
    alice.send({ request: "msg", content: "hi" });
    alice.send({ request: "names" });
    alice.send({ request: "dance" });
    await alice.take(3);
    const wire = readTexts(alice.reads).join("");
    expect(wire.endsWith("\n")).toBe(true);
    const lines = wire.slice(0, -1).split("\n");
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(JSON.stringify(JSON.parse(line))).toBe(line);
  });

  test("gets the whole history even when it is longer than 4096 bytes", async () => {
    const bob = await chat.loggedIn("bob");
    const texts = ["a", "b", "c", "d", "e", "f"].map((letter) => letter.repeat(900));
    for (const content of texts) bob.send({ request: "msg", content });
    const sent = (await bob.take(6)).map((response) => JSON.stringify(response));
    const alice = await chat.connect();
    alice.send({ request: "login", content: "alice" });
    expectResponses(await alice.take(2), [welcome("alice"), history(sent)]);
  });

  test("is not held back by the legacy pause", async () => {
    const alice = await chat.connect();
    const started = performance.now();
    alice.sendRaw('{"request": "help"}\n{"request": "help"}\n{"request": "help"}\n{"request": "help"}\n');
    await alice.take(4);
    expect(performance.now() - started).toBeLessThan(GAP_MS * 3);
  });
});
