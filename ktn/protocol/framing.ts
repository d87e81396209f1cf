// Framing: turns a TCP byte stream into JSON values, however the peer delimits (or fails to delimit) them.
//
// Peers in the wild send bare `json.dumps(...)` with no delimiter, several objects per read, objects
// split across reads (even inside a UTF-8 character), or newline-terminated lines. We therefore
// find value boundaries by scanning bytes for balanced brackets outside strings: every byte of a
// multi-byte UTF-8 character is >= 0x80, so it can never be mistaken for a bracket or a quote.

const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22, BACKSLASH = 0x5c, NEWLINE = 0x0a;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** One thing the decoder found in the stream: a parsed value, or a frame it could not parse. */
export type Frame =
  | { kind: "value"; value: unknown }
  | { kind: "malformed"; reason: string };

export class FrameTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`frame exceeds ${limit} bytes`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class JsonStreamDecoder {
  private buffer: Uint8Array = new Uint8Array(0);
  /** Bytes of `buffer` already scanned for the value in progress, so a split value is not rescanned. */
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** True once the peer has put a newline right after one of its values: it frames by lines. */
  newlineFramed = false;
  private lastValueEnded = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds received bytes; returns every complete frame. Throws FrameTooLargeError past the limit. */
  push(chunk: Uint8Array): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk);
    const frames: Frame[] = [];
    let start = this.skipWhitespace(0);
    while (start < this.buffer.length) {
      const end = this.findEnd(start);
      if (end < 0) break;
      if (end - start > this.maxFrameBytes) throw new FrameTooLargeError(this.maxFrameBytes);
      frames.push(parseFrame(this.buffer.subarray(start, end)));
      this.lastValueEnded = true;
      this.resetScan();
      start = this.skipWhitespace(end);
    }
    this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
    if (this.buffer.length > this.maxFrameBytes) throw new FrameTooLargeError(this.maxFrameBytes);
    return frames;
  }

  /** Bytes held for a frame not yet complete. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  private skipWhitespace(from: number): number {
    let i = from;
    while (i < this.buffer.length && isWhitespace(this.buffer[i]!)) {
      if (this.buffer[i] === NEWLINE && this.lastValueEnded) this.newlineFramed = true;
      i++;
    }
    if (i < this.buffer.length) this.lastValueEnded = false;
    return i;
  }

  private resetScan(): void {
    this.scanned = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** Index just past the value starting at `start`, or -1 when it has not fully arrived. */
  private findEnd(start: number): number {
    const first = this.buffer[start]!;
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return this.findGarbageEnd(start);
    let i = start + this.scanned;
    for (; i < this.buffer.length; i++) {
      const byte = this.buffer[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) this.inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (--this.depth === 0) return i + 1;
      }
    }
    this.scanned = i - start;
    return -1;
  }

  /**
   * Anything that does not start like an object or array (a bare word typed into telnet, a
   * stray bracket) runs to the end of its line or to the next opening brace, and becomes one frame.
   */
  private findGarbageEnd(start: number): number {
    for (let i = start + 1; i < this.buffer.length; i++) {
      const byte = this.buffer[i]!;
      if (byte === NEWLINE || byte === OPEN_BRACE) return i;
    }
    return -1;
  }
}

function parseFrame(bytes: Uint8Array): Frame {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { kind: "malformed", reason: "invalid UTF-8" };
  }
  try {
    return { kind: "value", value: JSON.parse(text) };
  } catch {
    return { kind: "malformed", reason: "malformed JSON" };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
