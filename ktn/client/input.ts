// Input: one line typed by the user becomes one request. The first word is the request, the rest its content.
import type { Request } from "../protocol/requests.ts";

/** Null for a blank line. A leading `/` is accepted (IRC habit); unknown words are forwarded as typed. */
export function parseInput(line: string): Request | null {
  const trimmed = line.trim().replace(/^\//, "");
  if (!trimmed) return null;
  const space = trimmed.search(/\s/);
  if (space < 0) return { request: trimmed, content: null };
  const content = trimmed.slice(space).trim();
  return { request: trimmed.slice(0, space), content: content || null };
}
