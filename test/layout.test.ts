// The layout by role: every import in the repository's code obeys who may import whom (README "Layout").
//
// ktn/protocol/ is what every role speaks and imports no role folder; each role (server, client, web,
// check) imports only the protocol and its own folder; the entry points and commands/ belong to a role.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = join(import.meta.dir, "..");

/** The folder (or entry point) a file belongs to, as a role name; null for files outside the rule. */
function roleOf(file: string): string | null {
  const parts = file.split("/");
  if (parts[0] === "ktn" && parts.length > 2) return parts[1]!;
  if (parts[0] === "commands" || file === "server.ts") return "server";
  if (file === "client.ts") return "client";
  if (file === "check.ts") return "check";
  return null;
}

/** Which roles a role may import from. The server serves the web page, so it may import the page's files. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  protocol: ["protocol"],
  server: ["protocol", "server", "web"],
  client: ["protocol", "client"],
  web: ["protocol", "web"],
  check: ["protocol", "check"],
};

/** Relative import specifiers in a source text: static, type-only, re-exports and dynamic imports. */
export function importsOf(source: string): string[] {
  const found = source.matchAll(/(?:^|[^\w.])(?:import|export)\s*(?:type\s+)?(?:[^"'`;]*?\sfrom\s*)?\(?\s*["'](\.{1,2}\/[^"']+)["']/gm);
  return [...found].map((match) => match[1]!);
}

/** Every broken rule in one file: "file imports target (role → role)". */
export function violations(file: string, source: string): string[] {
  const role = roleOf(file);
  if (role === null) return [];
  const allowed = MAY_IMPORT[role];
  if (!allowed) return [`${file}: ktn/${role}/ is not a known role folder (${Object.keys(MAY_IMPORT).join(", ")})`];
  return importsOf(source).flatMap((specifier) => {
    const target = normalize(join(dirname(file), specifier));
    const targetRole = roleOf(target);
    if (targetRole === null || allowed.includes(targetRole)) return [];
    return [`${file} imports ${target} (${role} → ${targetRole})`];
  });
}

const files = ["*.ts", "commands/**/*.ts", "ktn/**/*.ts"].flatMap((pattern) => [...new Bun.Glob(pattern).scanSync({ cwd: ROOT })]).sort();

describe("layout by role", () => {
  test("the scanner sees every kind of import, and a forbidden one fails", () => {
    const source = [
      'import { a } from "../server/chat.ts";',
      'import type { B } from "../client/render.ts";',
      'export { c } from "../protocol/framing.ts";',
      'const d = await import("../check/report.ts");',
      'import "./side-effect.ts";',
    ].join("\n");
    expect(importsOf(source)).toEqual(["../server/chat.ts", "../client/render.ts", "../protocol/framing.ts", "../check/report.ts", "./side-effect.ts"]);
    expect(violations("ktn/protocol/x.ts", source)).toEqual([
      "ktn/protocol/x.ts imports ktn/server/chat.ts (protocol → server)",
      "ktn/protocol/x.ts imports ktn/client/render.ts (protocol → client)",
      "ktn/protocol/x.ts imports ktn/check/report.ts (protocol → check)",
    ]);
    expect(violations("client.ts", 'import { startServer } from "./ktn/server/listener.ts";')).toEqual([
      "client.ts imports ktn/server/listener.ts (client → server)",
    ]);
    expect(violations("commands/x.ts", 'import { renderResponse } from "../ktn/client/render.ts";')).toEqual([
      "commands/x.ts imports ktn/client/render.ts (server → client)",
    ]);
  });

  test("ktn/ holds only the protocol and role folders, no loose modules", () => {
    const loose = files.filter((file) => file.startsWith("ktn/") && file.split("/").length === 2);
    expect(loose).toEqual([]);
    const roles = new Set(files.map(roleOf).filter((role) => role !== null));
    expect([...roles].filter((role) => !(role! in MAY_IMPORT))).toEqual([]);
  });

  test("every import obeys the rule: the protocol imports no role, and no role imports another", () => {
    expect(files.length).toBeGreaterThan(20);
    const broken = files.flatMap((file) => violations(relative(ROOT, join(ROOT, file)), readFileSync(join(ROOT, file), "utf8")));
    expect(broken).toEqual([]);
  });
});
