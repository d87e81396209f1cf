/// <reference lib="dom" />
// The conversation log: each response as one line, built from text nodes only, so content is never markup.
import type { Response } from "../protocol/responses.ts";

/** How many colour classes (`nick-0` … `nick-11`) style.css defines for names. */
export const NICK_COLOURS = 12;

/** Lines kept in the page: older ones are dropped, so a long session stays light. */
const MAX_LINES = 2000;

/** The colour class of a name: the same for everyone who sees it, in any case (FNV-1a). */
export function nickClass(name: string): string {
  let hash = 0x811c9dc5;
  for (const char of name.toLowerCase()) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193);
  return `nick-${(hash >>> 0) % NICK_COLOURS}`;
}

/** HH:MM in the reader's local time; the time of reading when the timestamp cannot be read. */
export function clock(timestamp: unknown): string {
  const parsed = new Date(typeof timestamp === "string" || typeof timestamp === "number" ? timestamp : NaN);
  const when = Number.isNaN(parsed.getTime()) ? new Date() : parsed;
  return `${String(when.getHours()).padStart(2, "0")}:${String(when.getMinutes()).padStart(2, "0")}`;
}

function element(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class Conversation {
  /** Message ids already shown, so the history replayed after a reconnect does not repeat them. */
  private readonly shown = new Set<number>();

  constructor(
    private readonly log: HTMLElement,
    /** The logged-in name, to tell one's own messages apart. */
    private readonly me: () => string | null,
  ) {}

  show(response: Response): void {
    if (response.response === "history") return this.history(response.content);
    if (response.response === "message") return this.message(response, false);
    const kind = response.response === "error" ? "error" : "info";
    this.append(this.line(kind, response.timestamp, kind === "error" ? "!" : "*", null, String(response.content)));
  }

  private history(content: unknown): void {
    for (const entry of Array.isArray(content) ? content : []) {
      const response = typeof entry === "string" ? parseEntry(entry) : entry;
      if (response?.response === "message") this.message(response, true);
    }
    this.append(element("p", "line separator", "── end of history ──"));
  }

  private message(response: Response, past: boolean): void {
    if (typeof response.id === "number") {
      if (this.shown.has(response.id)) return;
      this.shown.add(response.id);
      if (this.shown.size > 2 * MAX_LINES) this.shown.delete(this.shown.values().next().value!);
    }
    const sender = String(response.sender);
    const me = this.me()?.toLowerCase();
    const kind = response.to !== undefined ? "private" : sender.toLowerCase() === me ? "own" : "message";
    const name = response.to !== undefined ? `${sender} → ${response.to}` : sender;
    const line = this.line(kind, response.timestamp, name, nickClass(sender), String(response.content));
    if (past) line.classList.add("past");
    this.append(line);
  }

  private line(kind: string, timestamp: unknown, sender: string, colour: string | null, content: string): HTMLElement {
    const line = element("p", `line ${kind}`);
    const time = element("time", "time", clock(timestamp));
    if (typeof timestamp === "string") time.setAttribute("datetime", timestamp);
    const who = element("span", `sender${colour ? ` ${colour}` : ""}`, sender);
    if (kind === "private") line.append(element("span", "tag", "private"), " ");
    // The spaces keep the line's text (what a screen reader announces, what a copy takes) readable.
    line.append(time, " ", who, " ", element("span", "content", content));
    return line;
  }

  private append(line: HTMLElement): void {
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    this.log.append(line);
    while (this.log.childElementCount > MAX_LINES) this.log.firstElementChild!.remove();
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
  }
}

function parseEntry(entry: string): Response | null {
  try {
    return JSON.parse(entry);
  } catch {
    return null;
  }
}
