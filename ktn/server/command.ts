// The command contract: what one module in commands/ declares, and what it may do when it runs.
import * as v from "valibot";
import type { Awaitable } from "./awaitable.ts";
import type { RoomSummary } from "./chat.ts";
import type { Limits } from "./limits.ts";
import type { Response } from "../protocol/responses.ts";

/** What a moderator may do; each action is announced to the room and logged. */
export interface ModeratorActions {
  kick(user: string, reason: string): Awaitable<void>;
  ban(user: string, minutes: number | null, reason: string): Awaitable<void>;
  unban(user: string): Awaitable<void>;
  deleteMessage(id: number): Awaitable<void>;
  op(user: string): Awaitable<void>;
  deop(user: string): Awaitable<void>;
}

/** What a command may do while it answers one request; it never sees a socket. */
export interface RequestContext {
  /** The logged-in username, or null before login. */
  readonly username: string | null;
  readonly limits: Limits;
  /** Every loaded command, in help order. */
  readonly commands: readonly Command[];
  /** Sends a response to the requesting client only. */
  reply(response: Response): void;
  /**
   * Takes `username` for this connection; throws ChatError when it cannot be had. A registered name
   * needs its password, and then the answer waits for the password check.
   */
  login(username: string, password: string | null): Awaitable<void>;
  /** Claims the logged-in name with a password; from then on login needs it. */
  register(password: string): Promise<void>;
  /** True for a moderator who logged in with its password. */
  readonly moderator: boolean;
  /** Moderator actions, taken as this user; the dispatcher lets only moderators reach them. */
  readonly moderate: ModeratorActions;
  /** Says goodbye and closes this connection once the goodbye is written. */
  logout(): void;
  /** Sends a message from this user to everyone logged in, author included, and keeps it in history. */
  post(content: string): void;
  /** Usernames of everyone in this user's room, in the order they entered it. */
  names(): Awaitable<string[]>;
  /** Earlier message responses of this user's room, JSON-encoded, oldest first. */
  history(): Awaitable<string[]>;
  /** The room this user is in; everyone starts in the lobby. */
  readonly room: string;
  /** Moves this user to a room (created if missing) and answers with an info and the room's history. */
  joinRoom(name: string): Awaitable<void>;
  /** Every room with how many people are in it now. */
  rooms(): Awaitable<RoomSummary[]>;
  /** Sends a private message to one logged-in user, echoed to this user; never stored. */
  whisper(recipient: string, content: string): Awaitable<void>;
}

export type ContentSchema = v.GenericSchema<unknown, unknown>;

export interface Command<TSchema extends ContentSchema = ContentSchema> {
  /** The `request` value that selects this command. */
  name: string;
  /** How a person types it, e.g. `login <username>`. */
  usage: string;
  /** One line for the help text. */
  summary: string;
  /** May run before login (the course text allows only login and help). */
  beforeLogin: boolean;
  /** Only moderators may run it; everyone else gets an `error`. */
  moderatorOnly?: boolean;
  /** Validates `content`; a function when the schema depends on the server's limits. */
  content: TSchema | ((limits: Limits) => TSchema);
  /** Answers the request; a promise holds this connection's later requests until it settles. */
  run(ctx: RequestContext, content: v.InferOutput<TSchema>): void | Promise<void>;
}

/** Types a command module's default export; the loader checks its shape again at start-up. */
export function defineCommand<TSchema extends ContentSchema>(command: Command<TSchema>): Command<TSchema> {
  return command;
}

/** For requests that take no content: peers send null, "" or nothing, and all are fine. */
export const noContent = v.unknown();

/** Usernames and room names: the letters A-Z, a-z and the digits 0-9 (the course text's rule, docs/protocol.md §2), bounded in length. */
export function nameContent(kind: "username" | "room name", maxChars: number) {
  return v.pipe(
    v.string(`A ${kind} is needed.`),
    v.trim(),
    v.nonEmpty(`A ${kind} is needed.`),
    v.maxLength(maxChars, `${plural(kind)} are at most ${maxChars} characters.`),
    v.regex(/^[A-Za-z0-9]+$/, nameRule(kind)),
  );
}

export function nameRule(kind: "username" | "room name"): string {
  return `${plural(kind)} may only contain the letters A-Z, a-z and the digits 0-9.`;
}

function plural(kind: string): string {
  return `${kind[0]!.toUpperCase()}${kind.slice(1)}s`;
}

/** Message text: not blank, at most the server's message length. */
export function messageText(maxChars: number) {
  const schema = v.pipe(
    v.string("A message is needed."),
    v.check((text) => text.trim().length > 0, "The message is empty."),
    v.maxLength(maxChars, `Messages are at most ${maxChars} characters.`),
  );
  quickChecks.set(schema, (content) => typeof content === "string" && content.length <= maxChars && content.trim().length > 0);
  return schema;
}

/**
 * Plain predicates for schemas on the per-message path: true exactly when the schema would pass the
 * content through unchanged, so the dispatcher can skip the schema; false says nothing (the schema decides).
 */
const quickChecks = new WeakMap<ContentSchema, (content: unknown) => boolean>();

export function quickCheck(schema: ContentSchema): ((content: unknown) => boolean) | null {
  return quickChecks.get(schema) ?? null;
}
