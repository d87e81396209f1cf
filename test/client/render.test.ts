// Rendering, input parsing and tab completion as pure functions: what each response becomes on screen.
import { describe, expect, test } from "bun:test";
import pc from "picocolors";
import { parseInput } from "../../ktn/client/input.ts";
import { encodeRequest } from "../../ktn/protocol/requests.ts";
import { clean, clock, END_OF_HISTORY, nickColor, renderResponse, visibleWidth, wrap } from "../../ktn/client/render.ts";
import { complete } from "../../ktn/client/terminal.ts";

const plain = pc.createColors(false);
const colors = pc.createColors(true);
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
const message = (sender: unknown, content: unknown, timestamp: unknown = "2026-11-24 15:08:00") => ({ timestamp, sender, response: "message", content });

describe("responses", () => {
  test("a message reads [HH:MM] <nick> text", () => {
    expect(renderResponse(message("bob", "hi there"), { colors: plain })).toEqual(["[15:08] <bob> hi there"]);
  });

  test("a message over several lines keeps its later lines under the text", () => {
    expect(renderResponse(message("bob", "one\ntwo\r\nthree"), { colors: plain })).toEqual([
      "[15:08] <bob> one",
      "              two",
      "              three",
    ]);
  });

  test("each nick gets its own colour, the same every time; your own nick is bold instead", () => {
    const [bob] = renderResponse(message("bob", "x"), { colors, self: "alice" });
    const [me] = renderResponse(message("alice", "x"), { colors, self: "alice" });
    expect(bob).toContain(nickColor("bob", colors)("<bob>"));
    expect(me).toContain(colors.bold("<alice>"));
    const used = new Set(["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"].map((n) => nickColor(n, colors)("")));
    expect(used.size).toBeGreaterThan(3);
  });

  test("info is dim, errors are red with an '! error:' prefix", () => {
    const [info] = renderResponse({ timestamp: "10:00", sender: "server", response: "info", content: "hello" }, { colors });
    const [error] = renderResponse({ timestamp: "10:00", sender: "server", response: "error", content: "nope" }, { colors });
    expect(info).toBe(colors.dim("[10:00] * hello"));
    expect(error!.startsWith("\x1b[31m")).toBe(true);
    expect(strip(error!)).toBe("[10:00] ! error: nope");
  });

  test("history is dimmed and closed by a separator; an empty one says so", () => {
    const history = { timestamp: "10:00", sender: "server", response: "history", content: [JSON.stringify(message("bob", "old"))] };
    const lines = renderResponse(history, { colors });
    expect(lines.map(strip)).toEqual(["[15:08] <bob> old", END_OF_HISTORY]);
    for (const line of lines) expect(line.startsWith("\x1b[2m")).toBe(true);
    expect(renderResponse({ ...history, content: [] }, { colors: plain })).toEqual(["── no earlier messages ──"]);
  });

  test("nothing a server sends makes rendering throw", () => {
    const odd: unknown[] = [null, 3, "text", [], [1, { a: 1 }], {}, { response: 5 }, { response: "history", content: { a: 1 } },
      { response: "message", sender: { x: 1 }, content: [1, 2] }, { timestamp: Number.NaN, response: "info", content: undefined }];
    const cyclic: any = { response: "info" };
    cyclic.content = cyclic;
    for (const value of [...odd, cyclic]) expect(() => renderResponse(value, { colors, width: 20 })).not.toThrow();
  });

  test("control characters are made visible, so a message cannot drive the terminal", () => {
    expect(clean("a\x1b[2Jb\x07c\x9bd")).toBe("a^[[2Jb^Gc�d");
  });
});

describe("clock", () => {
  test("shows local HH:MM for ISO strings, epoch seconds and milliseconds, and bare times", () => {
    const at = new Date(2026, 10, 24, 9, 5); // local time
    expect(clock(at.toISOString())).toBe("09:05");
    expect(clock(at.getTime())).toBe("09:05");
    expect(clock(at.getTime() / 1000)).toBe("09:05");
    expect(clock("9:05:33")).toBe("09:05");
    expect(clock("soon")).toBe("--:--");
    expect(clock(undefined)).toBe("--:--");
  });
});

describe("wrapping", () => {
  test("breaks at spaces, indents the rows after the first, and keeps every row within the width", () => {
    const lines = renderResponse(message("bob", "the quick brown fox jumps over the lazy dog again and again"), { colors: plain, width: 40 });
    expect(lines).toEqual([
      "[15:08] <bob> the quick brown fox jumps",
      "              over the lazy dog again",
      "              and again",
    ]);
  });

  test("counts wide characters as two columns and never cuts one in half", () => {
    const rows = wrap("日本語のテキスト🎉がここにあります", 10, "  ");
    for (const row of rows) expect(visibleWidth(row)).toBeLessThanOrEqual(10);
    expect(rows.map((r, i) => (i ? r.slice(2) : r)).join("")).toBe("日本語のテキスト🎉がここにあります");
  });

  test("colour codes take no room", () => {
    const line = colors.red("x".repeat(10)) + " " + colors.blue("y".repeat(10));
    expect(wrap(line, 15).map(strip)).toEqual(["xxxxxxxxxx", "yyyyyyyyyy"]);
  });

  test("a word longer than the row is cut", () => {
    expect(wrap("a".repeat(25), 10, "  ")).toEqual(["a".repeat(10), "  " + "a".repeat(8), "  " + "a".repeat(7)]);
  });

  test("combining accents and emoji sequences stay whole", () => {
    const text = "e\u0301".repeat(12) + " 👩‍💻👩‍💻👩‍💻";
    const rows = wrap(text, 8);
    expect(rows.join("").replace(/ /g, "")).toBe(text.replace(/ /g, ""));
    for (const row of rows) expect(visibleWidth(row)).toBeLessThanOrEqual(8);
  });
});

describe("input", () => {
  test("the first word is the request, the rest the content, null when empty; a leading / is dropped", () => {
    expect(parseInput("msg  hello   world ")).toEqual({ request: "msg", content: "hello   world" });
    expect(parseInput("/names")).toEqual({ request: "names", content: null });
    expect(parseInput("dance wildly")).toEqual({ request: "dance", content: "wildly" });
    expect(parseInput("   ")).toBeNull();
    expect(encodeRequest({ request: "logout", content: null })).toBe('{"request":"logout","content":null}\n');
  });
});

describe("tab completion", () => {
  const words = { requests: ["login", "logout", "msg", "names", "help"], names: ["bobby", "bella", "carol"] };

  test("the first word completes from the request words, keeping a /", () => {
    expect(complete("na", words)).toEqual([["names "], "na"]);
    expect(complete("/he", words)).toEqual([["/help "], "/he"]);
    expect(complete("lo", words)).toEqual([["login ", "logout "], "lo"]);
  });

  test("later words complete from the names seen, case-insensitively", () => {
    expect(complete("msg hi ca", words)).toEqual([["carol "], "ca"]);
    expect(complete("msg hi B", words)).toEqual([["bobby", "bella"], "B"]);
    expect(complete("msg hi x", words)).toEqual([[], "x"]);
  });
});

test("wrapping a very long line stays fast", () => {
  const started = performance.now();
  const rows = wrap("word ".repeat(20_000) + "x".repeat(20_000), 80, "  ");
  expect(performance.now() - started).toBeLessThan(2000);
  for (const row of rows) expect(visibleWidth(row)).toBeLessThanOrEqual(80);
});
