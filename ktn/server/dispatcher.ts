// The dispatcher: the one gatekeeper between a decoded request and the command that answers it.
//
// Like ergo's command table, it checks what each command declares (known request, allowed before
// login, valid content) in a fixed order before `run`, so commands hold only their own logic.
import * as v from "valibot";
import type { RequestContext } from "./command.ts";
import { ChatError } from "./errors.ts";
import type { CommandTable } from "./registry.ts";
import { RequestEnvelope } from "../protocol/requests.ts";
import { error } from "../protocol/responses.ts";
import { log } from "./log.ts";

const BAD_REQUEST_FIELD = '"request" must be a string, e.g. {"request": "help", "content": null}.';

const NOT_AN_OBJECT = 'Requests are JSON objects: {"request": <string>, "content": <string or null>}.';

/** Answers one request; yields false when it was refused with an `error` (a promise for a command that waits). */
export function dispatch(commands: CommandTable, ctx: RequestContext, value: unknown): boolean | Promise<boolean> {
  try {
    const result = run(commands, ctx, value);
    return result instanceof Promise ? result.then(() => true, (failure) => refuse(ctx, failure)) : true;
  } catch (failure) {
    return refuse(ctx, failure);
  }
}

function refuse(ctx: RequestContext, failure: unknown): boolean {
  if (failure instanceof ChatError) {
    ctx.reply(error(failure.message));
    return false;
  }
  log.error(`request failed: ${(failure as Error)?.stack ?? failure}`);
  ctx.reply(error("The server failed to handle that request; it has been logged."));
  return true;
}

function run(commands: CommandTable, ctx: RequestContext, value: unknown): void | Promise<void> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ChatError(NOT_AN_OBJECT);
  const envelope = requestOf(value);
  const name = envelope.request.trim().toLowerCase();
  const command = commands.get(name);
  if (!command) throw new ChatError(`Unknown request '${clip(envelope.request)}'. Send {"request": "help"} to list the requests.`);
  if (!command.beforeLogin && ctx.username === null) throw new ChatError(`Log in first: '${name}' needs login <username>. Before login only login and help are accepted.`);
  if (command.moderatorOnly && !ctx.moderator) throw new ChatError(`'${name}' is for moderators only.`);
  if (command.quick?.(envelope.content)) return command.run(ctx, envelope.content);
  const content = v.safeParse(command.schema, envelope.content);
  if (!content.success) throw new ChatError(`${content.issues[0].message} Usage: ${command.usage}`);
  return command.run(ctx, content.output);
}

/** The envelope of a decoded object; a string `request` is all the envelope schema asks, so only other values meet the schema. */
function requestOf(value: object): { request: string; content?: unknown } {
  if (typeof (value as { request?: unknown }).request === "string") return value as { request: string; content?: unknown };
  const envelope = v.safeParse(RequestEnvelope, value);
  if (!envelope.success) throw new ChatError(BAD_REQUEST_FIELD);
  return envelope.output;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
