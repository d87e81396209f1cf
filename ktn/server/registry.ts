// The command registry: finds every module in commands/ and builds the dispatch table from it.
import { join } from "node:path";
import * as v from "valibot";
import { quickCheck, type Command, type ContentSchema } from "./command.ts";
import type { Limits } from "./limits.ts";

/** A loaded command with its content schema resolved against the server's limits. */
export interface LoadedCommand extends Command {
  schema: ContentSchema;
  /** Passes content the schema would pass unchanged without running it (see quickCheck), or null. */
  quick: ((content: unknown) => boolean) | null;
  file: string;
}

export type CommandTable = ReadonlyMap<string, LoadedCommand>;

const COMMANDS_DIR = join(import.meta.dir, "..", "..", "commands");

const isSchema = (value: unknown) =>
  typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "schema";

const CommandShape = v.object({
  name: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]*$/, "name must be a lowercase word")),
  usage: v.pipe(v.string(), v.minLength(1, "usage is missing")),
  summary: v.pipe(v.string(), v.minLength(1, "summary is missing")),
  beforeLogin: v.boolean("beforeLogin must be true or false"),
  moderatorOnly: v.optional(v.boolean("moderatorOnly must be true or false")),
  content: v.custom<unknown>((c) => isSchema(c) || typeof c === "function", "content must be a valibot schema"),
  run: v.custom<unknown>((r) => typeof r === "function", "run must be a function"),
});

export class CommandLoadError extends Error {}

/** Loads commands/*.ts (relative to this file, not the working directory); any bad module stops start-up. */
export async function loadCommands(limits: Limits): Promise<CommandTable> {
  const files = [...new Bun.Glob("*.ts").scanSync({ cwd: COMMANDS_DIR })].sort();
  const table = new Map<string, LoadedCommand>();
  for (const file of files) {
    const command = checkShape(file, await importModule(file));
    const twin = table.get(command.name);
    if (twin) throw new CommandLoadError(`commands/${file}: request '${command.name}' is already defined in commands/${twin.file}`);
    const schema = resolveSchema(command, limits);
    table.set(command.name, { ...command, file, schema, quick: quickCheck(schema) });
  }
  if (table.size === 0) throw new CommandLoadError(`no command modules found in ${COMMANDS_DIR}`);
  return table;
}

async function importModule(file: string): Promise<unknown> {
  try {
    return (await import(join(COMMANDS_DIR, file))).default;
  } catch (failure) {
    throw new CommandLoadError(`commands/${file}: cannot be loaded (${(failure as Error).message})`);
  }
}

function checkShape(file: string, exported: unknown): Command {
  const checked = v.safeParse(CommandShape, exported);
  if (!checked.success) {
    const where = checked.issues[0].path?.map((p) => p.key).join(".") ?? "default export";
    throw new CommandLoadError(`commands/${file}: not a command module (${where}: ${checked.issues[0].message}); export default defineCommand({...})`);
  }
  return exported as Command;
}

function resolveSchema(command: Command, limits: Limits): ContentSchema {
  return isSchema(command.content) ? (command.content as ContentSchema) : (command.content as (l: Limits) => ContentSchema)(limits);
}

/** The help text, generated from the loaded commands so it cannot drift from them: grouped by who may use them. */
export function helpText(commands: Iterable<Command>): string {
  const list = [...commands];
  const width = Math.max(...list.map((c) => c.usage.length));
  const groups: [string, (c: Command) => boolean][] = [
    ["Requests:", (c) => c.beforeLogin],
    ["After login:", (c) => !c.beforeLogin && !c.moderatorOnly],
    ["Moderators only:", (c) => !c.beforeLogin && Boolean(c.moderatorOnly)],
  ];
  return groups
    .map(([heading, belongs]) => [heading, ...list.filter(belongs).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)])
    .filter((lines) => lines.length > 1)
    .flat()
    .join("\n");
}
