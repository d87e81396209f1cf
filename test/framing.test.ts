// Decoder unit tests: JsonStreamDecoder against every way a peer splits, joins or delimits its JSON (docs/protocol.md §1).
import { describe, expect, test } from "bun:test";
import { FrameTooLargeError, JsonStreamDecoder, type Frame } from "../ktn/protocol/framing.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const value = (v: unknown): Frame => ({ kind: "value", value: v });

/** A request whose content has 2-, 3- and 4-byte UTF-8 characters, plus brackets and quotes inside the string. */
const TRICKY = { request: "msg", content: 'blåbær € 😀 {"not": [a, frame]} \\ end' };
const TRICKY_BYTES = bytes(JSON.stringify(TRICKY));

function decodeAll(chunks: Uint8Array[], maxFrameBytes = 65536): { frames: Frame[]; decoder: JsonStreamDecoder } {
  const decoder = new JsonStreamDecoder(maxFrameBytes);
  const frames = chunks.flatMap((chunk) => decoder.push(chunk));
  return { frames, decoder };
}

describe("the decoder", () => {
  test("the tricky request really has multi-byte characters to split inside", () => {
    expect(TRICKY_BYTES.length).toBeGreaterThan(JSON.stringify(TRICKY).length);
  });

  test("decodes one bare object with no delimiter", () => {
    expect(decodeAll([bytes('{"request": "help", "content": null}')]).frames).toEqual([value({ request: "help", content: null })]);
  });

  test("decodes a request split in two at every byte offset, multi-byte characters included", () => {
    for (let cut = 1; cut < TRICKY_BYTES.length; cut++) {
      const decoder = new JsonStreamDecoder(65536);
      expect(decoder.push(TRICKY_BYTES.subarray(0, cut))).toEqual([]);
      expect(decoder.push(TRICKY_BYTES.subarray(cut))).toEqual([value(TRICKY)]);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  test("decodes a request split in three at every pair of byte offsets", () => {
    const n = TRICKY_BYTES.length;
    for (let a = 1; a < n - 1; a++) {
      for (let b = a + 1; b < n; b++) {
        const { frames } = decodeAll([TRICKY_BYTES.subarray(0, a), TRICKY_BYTES.subarray(a, b), TRICKY_BYTES.subarray(b)]);
        expect(frames).toEqual([value(TRICKY)]);
      }
    }
  });

  test("decodes a request fed one byte at a time", () => {
    const chunks = [...TRICKY_BYTES].map((byte) => Uint8Array.of(byte));
    const decoder = new JsonStreamDecoder(65536);
    const frames: Frame[] = [];
    chunks.forEach((chunk, i) => {
      const found = decoder.push(chunk);
      if (i < chunks.length - 1) expect(found).toEqual([]);
      frames.push(...found);
    });
    expect(frames).toEqual([value(TRICKY)]);
  });

  test("decodes two requests that arrive in one chunk", () => {
    const { frames } = decodeAll([bytes('{"request":"help","content":null}{"request":"names","content":null}')]);
    expect(frames).toEqual([value({ request: "help", content: null }), value({ request: "names", content: null })]);
  });

  test("decodes two requests split at every byte offset of the pair", () => {
    const pair = bytes(JSON.stringify(TRICKY) + JSON.stringify({ request: "names", content: null }));
    for (let cut = 1; cut < pair.length; cut++) {
      const { frames, decoder } = decodeAll([pair.subarray(0, cut), pair.subarray(cut)]);
      expect(frames).toEqual([value(TRICKY), value({ request: "names", content: null })]);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  test("decodes requests with whitespace, tabs and CRLF between them", () => {
    const { frames } = decodeAll([bytes(' \t{"request":"help"}\r\n\n  {"request":"names"} \t\r\n')]);
    expect(frames).toEqual([value({ request: "help" }), value({ request: "names" })]);
  });

  test("decodes a request followed by a trailing newline and holds nothing afterwards", () => {
    const { frames, decoder } = decodeAll([bytes('{"request":"help","content":null}\n')]);
    expect(frames).toEqual([value({ request: "help", content: null })]);
    expect(decoder.pendingBytes).toBe(0);
  });

  test("does not end a value at brackets or escaped quotes inside a string", () => {
    const text = '{"request":"msg","content":"} ] \\" { [ \\\\"}';
    const { frames } = decodeAll([bytes(text)]);
    expect(frames).toEqual([value(JSON.parse(text))]);
  });

  test("decodes nested objects and arrays as one value", () => {
    const nested = { request: "msg", content: "x", extra: { a: [1, { b: [2, 3] }] } };
    expect(decodeAll([bytes(JSON.stringify(nested))]).frames).toEqual([value(nested)]);
  });

  test("reports a malformed object as one malformed frame and decodes the next one", () => {
    const { frames } = decodeAll([bytes('{"request": }{"request":"help"}')]);
    expect(frames).toEqual([{ kind: "malformed", reason: "malformed JSON" }, value({ request: "help" })]);
  });

  test("reports invalid UTF-8 inside a string as a malformed frame", () => {
    const bad = Uint8Array.of(...bytes('{"request":"msg","content":"'), 0xff, 0xfe, ...bytes('"}'));
    expect(decodeAll([bad]).frames).toEqual([{ kind: "malformed", reason: "invalid UTF-8" }]);
  });

  test("turns a bare word line into one malformed frame and then decodes the next request", () => {
    const { frames } = decodeAll([bytes('hello there\n{"request":"help"}')]);
    expect(frames).toEqual([{ kind: "malformed", reason: "malformed JSON" }, value({ request: "help" })]);
  });

  test("holds an incomplete request without producing a frame", () => {
    const decoder = new JsonStreamDecoder(65536);
    expect(decoder.push(bytes('{"request":"he'))).toEqual([]);
    expect(decoder.pendingBytes).toBe(14);
  });

  test("throws FrameTooLargeError when an unterminated request passes the frame limit", () => {
    const decoder = new JsonStreamDecoder(64);
    expect(decoder.push(bytes('{"request":"msg","content":"'))).toEqual([]);
    expect(() => decoder.push(bytes("x".repeat(64)))).toThrow(FrameTooLargeError);
  });

  test("accepts an unterminated request of exactly the frame limit", () => {
    const decoder = new JsonStreamDecoder(64);
    const head = '{"request":"msg","content":"';
    expect(decoder.push(bytes(head + "x".repeat(64 - head.length)))).toEqual([]);
    expect(decoder.pendingBytes).toBe(64);
  });

  test("throws FrameTooLargeError for a complete request past the frame limit that arrives in one chunk", () => {
    // The limit must not depend on how TCP happened to cut the stream.
    const decoder = new JsonStreamDecoder(64);
    expect(() => decoder.push(bytes(JSON.stringify({ request: "msg", content: "x".repeat(64) })))).toThrow(FrameTooLargeError);
  });

  test("accepts a complete request of exactly the frame limit", () => {
    const head = '{"request":"msg","content":"';
    const text = head + "x".repeat(64 - head.length - 2) + '"}';
    expect(bytes(text).length).toBe(64);
    expect(decodeAll([bytes(text)], 64).frames).toEqual([value(JSON.parse(text))]);
  });

  test("throws FrameTooLargeError for an endless line of garbage past the frame limit", () => {
    const decoder = new JsonStreamDecoder(64);
    expect(() => decoder.push(bytes("a".repeat(65)))).toThrow(FrameTooLargeError);
  });
});

describe("newline framing detection", () => {
  test("a peer that sends bare JSON is not newline-framed", () => {
    const { decoder } = decodeAll([bytes('{"request":"help"}{"request":"names"}')]);
    expect(decoder.newlineFramed).toBe(false);
  });

  test("a peer that ends a request with a newline is newline-framed", () => {
    const { decoder } = decodeAll([bytes('{"request":"help"}\n')]);
    expect(decoder.newlineFramed).toBe(true);
  });

  test("a newline arriving in the chunk after the request still counts", () => {
    const { decoder } = decodeAll([bytes('{"request":"help"}'), bytes("\n")]);
    expect(decoder.newlineFramed).toBe(true);
  });

  test("a CRLF after a request counts as newline framing", () => {
    const { decoder } = decodeAll([bytes('{"request":"help"}\r\n')]);
    expect(decoder.newlineFramed).toBe(true);
  });

  test("a newline before the first request does not count as newline framing", () => {
    const { decoder } = decodeAll([bytes('\n{"request":"help"}')]);
    expect(decoder.newlineFramed).toBe(false);
  });

  test("a newline inside a request's string does not count as newline framing", () => {
    const { decoder } = decodeAll([bytes('{"request":"msg","content":"a\nb"}')]);
    expect(decoder.newlineFramed).toBe(false);
  });
});
