// Input: what the page's message box sends. Plain text is a `msg`; `/word rest` is any request.
import type { Request } from "../protocol/requests.ts";

/** Null for a blank line. `//text` sends a message that starts with a slash. */
export function requestFor(line: string): Request | null {
  if (!line.trim()) return null;
  if (!line.startsWith("/") || line.startsWith("//")) return { request: "msg", content: line.startsWith("//") ? line.slice(1) : line };
  const [, word, rest] = line.match(/^\/(\S*)\s*([\s\S]*)$/)!;
  if (!word) return null;
  return { request: word.toLowerCase(), content: rest!.trim() || null };
}
