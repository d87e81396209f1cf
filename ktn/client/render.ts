// Rendering: turns whatever a server sent into lines a person reads. Pure: no sockets, no terminal.
//
// Servers in the wild vary (docs/protocol.md §4): history as JSON strings, objects, plain text or absent;
// timestamps as strings or numbers; senders as "", "Server" or lists; response types beyond the
// four. Every value is shown as well as it can be, and nothing here may throw.
import type { Colors } from "picocolors/types";

export interface RenderOptions {
  colors: Colors;
  /** The user's own name, so their messages stand out; null before login. */
  self?: string | null;
  /** Terminal width: long lines wrap to it under their text column. Unset in a pipe: no wrapping. */
  width?: number;
}

/** `to` is our server's added key for a private message: it names the recipient. */
type Fields = { timestamp?: unknown; sender?: unknown; response?: unknown; content?: unknown; to?: unknown };

/** Lines to print for one value received from the server. */
export function renderResponse(value: unknown, options: RenderOptions): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [options.colors.dim(`[??:??] ${clean(text(value))}`)];
  }
  const fields = value as Fields;
  const kind = typeof fields.response === "string" ? fields.response.toLowerCase() : "";
  if (kind === "history") return renderHistory(fields, options);
  return renderOne(fields, options, false);
}

function renderOne(fields: Fields, options: RenderOptions, past: boolean): string[] {
  const { colors } = options;
  const time = `[${clock(fields.timestamp)}]`;
  const kind = typeof fields.response === "string" ? fields.response.toLowerCase() : "";
  const body = clean(text(fields.content));
  let lines: string[];
  if (kind === "message" && typeof fields.to === "string") {
    const between = `${senderName(fields.sender) || "?"} → ${clean(fields.to)}`;
    lines = prefixLines(`${time} ${colors.magenta(colors.bold(`[private] ${between}:`))} `, body, options.width);
  } else if (kind === "message") {
    const sender = senderName(fields.sender) || "?";
    const nick = sender === options.self ? colors.bold(`<${sender}>`) : nickColor(sender, colors)(`<${sender}>`);
    lines = prefixLines(`${time} ${nick} `, body, options.width);
  } else if (kind === "error") {
    lines = prefixLines(`${time} ${colors.red(colors.bold("! error:"))} `, body, options.width).map((line) => colors.red(line));
  } else if (kind === "info") {
    lines = prefixLines(`${time} * `, body, options.width).map((line) => colors.dim(line));
  } else {
    const label = kind ? `[${clean(String(fields.response))}] ` : "";
    const sender = senderName(fields.sender);
    const from = sender && sender.toLowerCase() !== "server" ? `<${sender}> ` : "";
    lines = prefixLines(`${time} ${label}${from}`, body, options.width);
  }
  return past ? lines.map((line) => colors.dim(line)) : lines;
}

function renderHistory(fields: Fields, options: RenderOptions): string[] {
  const { colors } = options;
  if (!Array.isArray(fields.content)) {
    if (fields.content == null) return [];
    return prefixLines(`[${clock(fields.timestamp)}] `, clean(text(fields.content)), options.width).map((l) => colors.dim(l));
  }
  if (fields.content.length === 0) return [colors.dim(NO_HISTORY)];
  const lines = fields.content.filter((entry) => entry != null).flatMap((entry) => renderHistoryEntry(entry, options));
  return [...lines, colors.dim(END_OF_HISTORY)];
}

export const END_OF_HISTORY = "── end of history ──";
export const NO_HISTORY = "── no earlier messages ──";

function renderHistoryEntry(entry: unknown, options: RenderOptions): string[] {
  let value = entry;
  if (typeof entry === "string") {
    try {
      value = JSON.parse(entry);
    } catch {
      return prefixLines("", clean(entry), options.width).map((l) => options.colors.dim(l));
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return prefixLines("", clean(text(value)), options.width).map((l) => options.colors.dim(l));
  }
  return renderOne(value as Fields, options, true);
}

/** The prefix on the first line; later lines (the body's own, and wrapped ones) start under the text. */
function prefixLines(prefix: string, body: string, width?: number): string[] {
  const prefixWidth = visibleWidth(prefix);
  // A narrow terminal would leave no room for text under a long prefix: indent a little instead.
  const indent = " ".repeat(width && prefixWidth > width / 2 ? 2 : prefixWidth);
  return body.split("\n").flatMap((line, i) => {
    const head = i === 0 ? prefix : indent;
    return width ? wrap(head + line, width, indent) : [head + line];
  });
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const ESCAPE = /\x1b\[[0-9;]*m/g;

/**
 * Splits one line into rows of at most `width` terminal columns, breaking after a space when one is
 * near, and starting each further row with `indent`. Colour codes take no room; wide characters
 * (CJK, most emoji) take two columns and are never cut in half.
 */
export function wrap(line: string, width: number, indent = ""): string[] {
  if (visibleWidth(line) <= width) return [line];
  const indentWidth = indent.length;
  const rows: string[] = [];
  let row = "";
  let rowWidth = 0;
  let lastSpace = -1; // index in `row` just after the last space, a good place to break
  for (const { text: cluster, colour } of pieces(line)) {
    if (colour) {
      row += cluster;
      continue;
    }
    const clusterWidth = Bun.stringWidth(cluster);
    if (rowWidth + clusterWidth > width && rowWidth > indentWidth) {
      // Break at this space, or after the last one if the word it cuts is short, or else mid-word.
      const atSpace = cluster === " ";
      const breakAt = !atSpace && lastSpace > 0 && visibleWidth(row.slice(lastSpace)) < width / 3 ? lastSpace : row.length;
      rows.push(row.slice(0, breakAt).trimEnd());
      const carried = row.slice(breakAt);
      row = indent + carried;
      rowWidth = indentWidth + visibleWidth(carried);
      lastSpace = -1;
      if (atSpace) continue;
    }
    row += cluster;
    rowWidth += clusterWidth;
    if (cluster === " " && rowWidth > indentWidth) lastSpace = row.length;
  }
  rows.push(row);
  return rows;
}

/**
 * The line's colour codes and grapheme clusters, in order. The text between two codes is segmented
 * once: a segmenter started at every character made wrapping a 120,000-character line take seconds.
 */
function* pieces(line: string): Generator<{ text: string; colour: boolean }> {
  let from = 0;
  for (const code of line.matchAll(ESCAPE)) {
    for (const { segment } of graphemes.segment(line.slice(from, code.index))) yield { text: segment, colour: false };
    yield { text: code[0], colour: true };
    from = code.index + code[0].length;
  }
  for (const { segment } of graphemes.segment(line.slice(from))) yield { text: segment, colour: false };
}

/** Local HH:MM from an ISO string, epoch seconds or milliseconds; anything else as it came. */
export function clock(timestamp: unknown): string {
  let date: Date | null = null;
  if (typeof timestamp === "number" && Number.isFinite(timestamp)) date = new Date(timestamp < 1e12 ? timestamp * 1000 : timestamp);
  else if (typeof timestamp === "string" && /\d{4}-\d{2}-\d{2}/.test(timestamp)) date = new Date(timestamp);
  if (date && !Number.isNaN(date.getTime())) {
    return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
  }
  if (typeof timestamp === "string") {
    const time = timestamp.match(/\b(\d{1,2}):(\d{2})/);
    if (time) return `${time[1]!.padStart(2, "0")}:${time[2]}`;
  }
  return "--:--";
}

export function senderName(sender: unknown): string {
  if (typeof sender === "string") return clean(sender);
  if (Array.isArray(sender)) return clean(sender.map(text).join(","));
  return sender == null ? "" : clean(text(sender));
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  // Some servers answer `names` with a list of names rather than a sentence.
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value.join(", ");
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Control characters become visible (^[ …) so a message cannot drive the user's terminal. */
export function clean(value: string): string {
  return value.replace(/\r\n?/g, "\n").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `^${String.fromCharCode((c.charCodeAt(0) + 64) % 128)}`)
    .replace(/[\u0080-\u009f]/g, "�");
}

const NICK_COLORS = ["cyan", "green", "yellow", "blue", "magenta", "redBright", "cyanBright", "greenBright", "yellowBright", "blueBright", "magentaBright"] as const;

/** A stable colour per name, so each person keeps theirs across sessions. */
export function nickColor(name: string, colors: Colors): (s: string) => string {
  let hash = 0;
  for (const char of name) hash = (Math.imul(hash, 31) + char.codePointAt(0)!) >>> 0;
  return colors[NICK_COLORS[hash % NICK_COLORS.length]!];
}

/** Terminal columns a string takes: colour codes none, wide characters two. */
export function visibleWidth(s: string): number {
  return Bun.stringWidth(s);
}
