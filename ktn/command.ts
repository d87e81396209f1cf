// The command contract: what one module in commands/ declares, and what it may do when it runs.
import * as v from "valibot";
import type { Limits } from "./limits.ts";
import type { Response } from "./responses.ts";

/** What a command may do while it answers one request; it never sees a socket. */
export interface RequestContext {
  /** The logged-in username, or null before login. */
  readonly username: string | null;
  readonly limits: Limits;
  /** Every loaded command, in help order. */
  readonly commands: readonly Command[];
  /** Sends a response to the requesting client only. */
  reply(response: Response): void;
  /** Takes `username` for this connection; throws ChatError when it cannot be had. */
  login(username: string): void;
  /** Says goodbye and closes this connection once the goodbye is written. */
  logout(): void;
  /** Sends a message from this user to everyone logged in, author included, and keeps it in history. */
  post(content: string): void;
  /** Usernames of everyone logged in, in login order. */
  names(): string[];
  /** Earlier message responses, JSON-encoded, oldest first. */
  history(): string[];
}

export type ContentSchema = v.GenericSchema<unknown, unknown>;

export interface Command<TSchema extends ContentSchema = ContentSchema> {
  /** The `request` value that selects this command. */
  name: string;
  /** How a person types it, e.g. `login <username>`. */
  usage: string;
  /** One line for the help text. */
  summary: string;
  /** May run before login (the seed allows only login and help). */
  beforeLogin: boolean;
  /** Validates `content`; a function when the schema depends on the server's limits. */
  content: TSchema | ((limits: Limits) => TSchema);
  run(ctx: RequestContext, content: v.InferOutput<TSchema>): void;
}

/** Types a command module's default export; the loader checks its shape again at start-up. */
export function defineCommand<TSchema extends ContentSchema>(command: Command<TSchema>): Command<TSchema> {
  return command;
}

/** For requests that take no content: peers send null, "" or nothing, and all are fine. */
export const noContent = v.unknown();
