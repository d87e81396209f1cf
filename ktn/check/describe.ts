// How the report words what a server sent: a value's type and a glimpse of it, or that nothing came.
import { fields, type Received } from "./peer.ts";

/** A JSON object (not a list, not null), or null. */
export function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

export function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 60) + "…" : value);
  const json = JSON.stringify(value);
  return `${Array.isArray(value) ? "a list" : `a ${typeof value}`} (${json.length > 60 ? json.slice(0, 60) + "…" : json})`;
}

/** What came back for a request: its response type, or that nothing did in time. */
export function answered(received: Received | null, timeoutMs: number): string {
  if (!received) return `no answer within ${timeoutMs} ms`;
  if (received.malformed) return `answered with bytes that are not JSON (${received.malformed})`;
  return `answered with response ${describe(fields(received)?.response)}`;
}
