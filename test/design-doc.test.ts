// The design document stays true to the code: its command table, its limits and the modules it names.
//
// docs/design.md has a "## Commands" section whose markdown table holds one row per request, the
// request name in backticks in the first column. The commands are what the real loader finds in
// commands/, so a module added, removed or renamed without the document (or the other way round) fails.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_LIMITS, LIMIT_SPECS } from "../ktn/server/limits.ts";
import { loadCommands } from "../ktn/server/registry.ts";

const ROOT = join(import.meta.dir, "..");
const DOC_PATH = join(ROOT, "docs", "design.md");
const doc = readFileSync(DOC_PATH, "utf8");

/** The body of a `## heading` section: up to the next `## ` heading (not `###`). */
function section(markdown: string, heading: string): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`docs/design.md has no "## ${heading}" section`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^## /.test(line));
  return (end < 0 ? rest : rest.slice(0, end)).join("\n");
}

/** The rows of the first markdown table in `text`, as trimmed cells; header and separator rows skipped. */
function tableRows(text: string): string[][] {
  const lines = text.split("\n");
  const first = lines.findIndex((line) => line.trim().startsWith("|"));
  if (first < 0) return [];
  const table: string[] = [];
  for (const line of lines.slice(first)) {
    if (!line.trim().startsWith("|")) break;
    table.push(line.trim());
  }
  return table
    .slice(2) // header, then the |---| separator
    .map((row) => row.replace(/^\|/, "").replace(/\|$/, "").split("|").map((cell) => cell.trim()));
}

/** `name` in a cell that is exactly one backticked word, or null. */
function backticked(cell: string | undefined): string | null {
  return cell?.match(/^`([^`\s]+)`$/)?.[1] ?? null;
}

/** Request names in the "## Commands" table of a design document. */
function documentedCommands(markdown: string): string[] {
  return tableRows(section(markdown, "Commands")).map((cells) => {
    const name = backticked(cells[0]);
    if (name === null) throw new Error(`a row of the Commands table does not start with a request name in backticks: | ${cells.join(" | ")} |`);
    return name;
  });
}

const loaded = await loadCommands(DEFAULT_LIMITS);
const moduleNames = [...loaded.keys()].sort();

describe("docs/design.md", () => {
  test("the parser finds the Commands table and fails on a name that is not a command", () => {
    // Guards the test itself: a copy of the document with one request renamed no longer matches.
    const documented = documentedCommands(doc);
    expect(documented.length).toBeGreaterThan(0);
    const victim = documented[0]!;
    const renamed = doc.replace(new RegExp(`^\\| \`${victim}\` \\|`, "m"), "| `no-such-request` |");
    expect(documentedCommands(renamed)).toContain("no-such-request");
    expect(documentedCommands(renamed)).not.toContain(victim);
  });

  test("every command module in commands/ is a row of the Commands table", () => {
    const documented = new Set(documentedCommands(doc));
    expect(moduleNames.filter((name) => !documented.has(name))).toEqual([]);
  });

  test("every row of the Commands table is a command module in commands/", () => {
    expect(documentedCommands(doc).filter((name) => !loaded.has(name))).toEqual([]);
  });

  test("each command is listed once, and each module file is named after its request", () => {
    const documented = documentedCommands(doc);
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
    for (const command of loaded.values()) expect(command.file).toBe(`${command.name}.ts`);
  });

  test("every limit in ktn/server/limits.ts is in the Limits table with its default", () => {
    const rows = tableRows(section(doc, "Limits"));
    const documented = new Map(rows.map((cells) => [backticked(cells[0]), cells[1]]));
    const missing = LIMIT_SPECS.filter((spec) => documented.get(`--${spec.flag}`) !== String(DEFAULT_LIMITS[spec.key]));
    expect(missing.map((spec) => `--${spec.flag} ${spec.fallback}`)).toEqual([]);
    const unknown = [...documented.keys()].filter((flag) => !LIMIT_SPECS.some((spec) => `--${spec.flag}` === flag));
    expect(unknown).toEqual([]);
  });

  test("every file path the document names exists", () => {
    const named = [...new Set([...doc.matchAll(/\b((?:ktn|test|bench|docs)\/[A-Za-z0-9_./-]+\.(?:ts|md|html))\b/g)].map((match) => match[1]!))];
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((file) => !existsSync(join(ROOT, file)))).toEqual([]);
  });

  test("every Mermaid block opens with a diagram type", () => {
    const blocks = [...doc.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((match) => match[1]!.trim().split("\n")[0]!.trim());
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.filter((first) => !["classDiagram", "sequenceDiagram"].includes(first))).toEqual([]);
  });
});
