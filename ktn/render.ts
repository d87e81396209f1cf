// Rendering: turns whatever a server sent into lines a person reads. Pure: no sockets, no terminal.
//
// Servers in the wild vary (protocol.md §4): history as JSON strings, objects, plain text or absent;
// timestamps as strings or numbers; senders as "", "Server" or lists; response types beyond the
// four. Every value is shown as well as it can be, and nothing here may throw.
import type { Colors } from "picocolors/types";

export interface RenderOptions {
  colors: Colors;
  /** The user's own name, so their messages stand out; null before login. */
  self?: string | null;
}

type Fields = { timestamp?: unknown; sender?: unknown; response?: unknown; content?: unknown };

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
  if (kind === "message") {
    const sender = senderName(fields.sender);
    const nick = sender === options.self ? colors.bold(`<${sender}>`) : nickColor(sender, colors)(`<${sender}>`);
    lines = prefixLines(`${time} ${nick} `, body);
  } else if (kind === "error") {
    lines = prefixLines(`${time} ${colors.red(colors.bold("! error:"))} `, body).map((line) => colors.red(line));
  } else if (kind === "info") {
    lines = prefixLines(`${time} * `, body).map((line) => colors.dim(line));
  } else {
    const label = kind ? `[${clean(String(fields.response))}] ` : "";
    const sender = senderName(fields.sender);
    lines = prefixLines(`${time} ${label}${sender && sender !== "server" ? `<${sender}> ` : ""}`, body);
  }
  return past ? lines.map((line) => colors.dim(line)) : lines;
}

function renderHistory(fields: Fields, options: RenderOptions): string[] {
  const { colors } = options;
  if (!Array.isArray(fields.content)) {
    return fields.content == null ? [] : prefixLines(`[${clock(fields.timestamp)}] `, clean(text(fields.content))).map((l) => colors.dim(l));
  }
  if (fields.content.length === 0) return [colors.dim("── no earlier messages ──")];
  const lines = fields.content.flatMap((entry) => renderHistoryEntry(entry, options));
  return [...lines, colors.dim("── end of history ──")];
}

function renderHistoryEntry(entry: unknown, options: RenderOptions): string[] {
  let value = entry;
  if (typeof entry === "string") {
    try {
      value = JSON.parse(entry);
    } catch {
      return [options.colors.dim(clean(entry))];
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [options.colors.dim(clean(text(value)))];
  return renderOne(value as Fields, options, true);
}

function prefixLines(prefix: string, body: string): string[] {
  const [first, ...rest] = body.split("\n");
  const indent = " ".repeat(visibleLength(prefix));
  return [prefix + first, ...rest.map((line) => indent + line)];
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
  if (value === undefined) return "";
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

function visibleLength(s: string): number {
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}
