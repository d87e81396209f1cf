// Responses: the one place that builds and serializes what the server sends (docs/protocol.md §3).

export type ResponseType = "error" | "info" | "message" | "history";

export interface Response {
  timestamp: string;
  sender: string;
  response: ResponseType;
  content: string | string[];
  /** Added key: the room a join or leave took the user to (peers ignore unknown keys). */
  room?: string;
  /** Added key: marks a private message and names its recipient. */
  to?: string;
  /** Added key: a message's number, for moderators' `delete`. */
  id?: number;
}

/** The sender name of everything that does not come from a user; no user can take it. */
export const SERVER_SENDER = "server";

/** The timestamp is a string (the course text, docs/protocol.md §3); ISO 8601 in UTC sorts and parses everywhere. */
export function timestamp(): string {
  // Formatted once per millisecond: a busy turn stamps hundreds of responses with the same text.
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

let stampedAt = -1;
let stamp = "";

export function serverResponse(response: Exclude<ResponseType, "message">, content: string | string[]): Response {
  return { timestamp: timestamp(), sender: SERVER_SENDER, response, content };
}

export const info = (content: string) => serverResponse("info", content);
export const error = (content: string) => serverResponse("error", content);

export function message(sender: string, content: string, at = timestamp()): Response {
  return { timestamp: at, sender, response: "message", content };
}

/** History content is a list of JSON-encoded message responses (the course hint), oldest first. */
export function history(messages: readonly string[]): Response {
  return serverResponse("history", [...messages]);
}

/** The wire form: compact JSON and a newline, harmless to `json.loads` and handy for line readers. */
export function encode(response: Response): string {
  return encodeJson(JSON.stringify(response));
}

/** The wire form of a response already JSON-encoded (a stored message shares its stringify with the wire). */
export function encodeJson(json: string): string {
  return json + "\n";
}
