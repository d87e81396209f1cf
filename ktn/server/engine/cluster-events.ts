// Cluster events: what nodes tell each other on the cluster's one channel, and the check that every
// event read back from Redis has the right shape (anyone who can reach Redis can publish there).
import * as v from "valibot";

/** Larger events are not ours: nothing we publish comes near this. */
export const MAX_EVENT_BYTES = 4 * 1024 * 1024;

const text = v.pipe(v.string(), v.maxLength(100_000));
const key = v.pipe(v.string(), v.regex(/^[a-z0-9]{1,200}$/));

/** A message response as the server sends it, id included. */
export const StoredMessage = v.object({
  timestamp: text,
  sender: text,
  response: v.literal("message"),
  content: text,
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

const Event = v.variant("k", [
  /** A turn's messages from one node (`b` numbers its batches), each with its room's key, in the order they were stored. */
  v.object({ k: v.literal("m"), node: v.string(), b: v.pipe(v.number(), v.integer()), m: v.array(v.tuple([key, StoredMessage])) }),
  /** An info to everyone in a room, except the user it is about. */
  v.object({ k: v.literal("n"), room: key, text, except: v.optional(key) }),
  /** A private message to one user, wherever connected. */
  v.object({ k: v.literal("w"), to: key, r: v.object({ timestamp: text, sender: text, response: v.literal("message"), content: text, to: text }) }),
  /** A moderator removed a user: its node takes it out of the chat, with `notice` to its room and `farewell` to it. */
  v.object({ k: v.literal("x"), name: key, notice: text, farewell: text }),
  /** Moderators changed: every node reads them again. */
  v.object({ k: v.literal("op") }),
]);

export type ClusterEvent = v.InferOutput<typeof Event>;

/** The event in a published text, or null (with the reason) for anything that is not one of ours. */
export function parseEvent(published: string): { event: ClusterEvent } | { reason: string } {
  if (published.length > MAX_EVENT_BYTES) return { reason: `${published.length} characters, too long` };
  let value: unknown;
  try {
    value = JSON.parse(published);
  } catch {
    return { reason: "not JSON" };
  }
  const checked = v.safeParse(Event, value);
  return checked.success ? { event: checked.output } : { reason: checked.issues[0].message };
}

/** A history entry read from Redis, or null when it is not a message response of ours. */
export function checkStoredMessage(encoded: unknown): boolean {
  if (typeof encoded !== "string" || encoded.length > 200_000) return false;
  try {
    return v.is(StoredMessage, JSON.parse(encoded));
  } catch {
    return false;
  }
}
