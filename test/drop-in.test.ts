// Drop-in: adding a request is dropping one file into commands/; a bad file stops start-up and names itself.
//
// Each test copies the project to a temp dir, changes only the copy's commands/, and runs the copy's
// `bun server.ts` as a child process, so the real loader and the real start-up path are what is tested.
import { afterEach, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { RawPeer } from "./support/wire.ts";
import { error, expectResponse, expectResponses, history, info, message, welcome } from "./support/conformance.ts";

const PROJECT = join(import.meta.dir, "..");
const START_TIMEOUT_MS = 8000;

const copies: string[] = [];
const children: Subprocess[] = [];
const peers: RawPeer[] = [];

afterEach(() => {
  for (const peer of peers.splice(0)) if (!peer.closed) peer.abort();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the runnable project (server.ts, ktn/, commands/, package.json, node_modules linked). */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "ktn-drop-in-"));
  copies.push(dir);
  cpSync(join(PROJECT, "server.ts"), join(dir, "server.ts"));
  cpSync(join(PROJECT, "package.json"), join(dir, "package.json"));
  cpSync(join(PROJECT, "ktn"), join(dir, "ktn"), { recursive: true });
  cpSync(join(PROJECT, "commands"), join(dir, "commands"), { recursive: true });
  symlinkSync(join(PROJECT, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

interface Started {
  child: Subprocess<"ignore", "ignore", "pipe">;
  /** The port from the `listening on` line, or null when the process ended first. */
  port: number | null;
  stderr: () => string;
}

/** Runs the copy's server on 127.0.0.1:0 until it says where it listens, or exits, or the time is up. */
async function startCopy(dir: string): Promise<Started> {
  const child = Bun.spawn(["bun", "server.ts", "--port", "0", "--host", "127.0.0.1", "--http-port", "off"], {
    cwd: dir,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  children.push(child);
  let text = "";
  const reader = child.stderr.getReader();
  const decoder = new TextDecoder();
  const pump = (async () => {
    for (let i = 0; i < 10_000; i++) {
      const { value, done } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
    }
  })();
  const deadline = Date.now() + START_TIMEOUT_MS;
  let match: RegExpMatchArray | null = null;
  while (Date.now() < deadline) {
    match = text.match(/ktn-chat listening on 127\.0\.0\.1:(\d+)/);
    if (match || child.exitCode !== null) break;
    await Bun.sleep(10);
  }
  if (!match && child.exitCode !== null) await Promise.race([pump, Bun.sleep(500)]);
  return { child, port: match ? Number(match[1]) : null, stderr: () => text };
}

/** Waits for the child to exit (bounded) and returns its exit code. */
async function exitCodeOf(child: Subprocess): Promise<number> {
  const code = await Promise.race([child.exited, Bun.sleep(START_TIMEOUT_MS).then(() => null)]);
  if (code === null) throw new Error("server still running; it should have refused to start");
  return code;
}

async function connect(port: number): Promise<RawPeer> {
  const peer = await RawPeer.connect(port);
  peers.push(peer);
  return peer;
}

const ECHO = `// echo <text>: answers the requester alone with what it sent.
import * as v from "valibot";
import { defineCommand } from "../ktn/server/command.ts";
import { info } from "../ktn/protocol/responses.ts";

export default defineCommand({
  name: "echo",
  usage: "echo <text>",
  summary: "Repeat the text back to you",
  beforeLogin: true,
  content: v.string("Some text is needed."),
  run(ctx, content) {
    ctx.reply(info("echo: " + content));
  },
});
`;

test("a command module dropped into commands/ is served and listed by help", async () => {
  const dir = copyProject();
  writeFileSync(join(dir, "commands", "echo.ts"), ECHO);
  const server = await startCopy(dir);
  expect(server.port, server.stderr()).not.toBeNull();

  const peer = await connect(server.port!);
  peer.send({ request: "echo", content: "ping" });
  expectResponse(await peer.next(), info("echo: ping"));

  peer.send({ request: "help", content: null });
  const help = await peer.next();
  expectResponse(help, info(help.content));
  const lines = (help.content as string).split("\n");
  const echoLines = lines.filter((line) => line.includes("echo <text>"));
  expect(echoLines).toHaveLength(1);
  expect(echoLines[0]).toContain("Repeat the text back to you");
  // Allowed before login, so listed under the first heading with login and help.
  expect(lines.indexOf(echoLines[0]!)).toBeLessThan(lines.indexOf("After login:"));
});

test("a dropped-in command goes through the same gate as the built-in ones", async () => {
  const dir = copyProject();
  writeFileSync(join(dir, "commands", "echo.ts"), ECHO.replace("beforeLogin: true", "beforeLogin: false"));
  const server = await startCopy(dir);
  expect(server.port, server.stderr()).not.toBeNull();

  const peer = await connect(server.port!);
  peer.send({ request: "echo", content: "ping" });
  expectResponse(await peer.next(), error("Log in first: 'echo' needs login <username>. Before login only login and help are accepted."));
  peer.send({ request: "echo", content: 42 });
  expect((await peer.next()).response).toBe("error");
  peer.send({ request: "login", content: "alice" });
  expectResponses(await peer.take(2), [welcome("alice"), history([])]);
  peer.send({ request: "echo", content: 42 });
  expectResponse(await peer.next(), error("Some text is needed. Usage: echo <text>"));
  peer.send({ request: "msg", content: "built-ins still work" });
  expectResponse(await peer.next(), message("alice", "built-ins still work"));
});

test("the unchanged copy serves without the dropped-in request, so the file is what adds it", async () => {
  const dir = copyProject();
  const server = await startCopy(dir);
  expect(server.port, server.stderr()).not.toBeNull();
  const peer = await connect(server.port!);
  peer.send({ request: "echo", content: "ping" });
  expectResponse(await peer.next(), error(`Unknown request 'echo'. Send {"request": "help"} to list the requests.`));
});

test("a module without the command shape stops start-up with a message naming the file", async () => {
  const dir = copyProject();
  writeFileSync(join(dir, "commands", "broken.ts"), `export default { name: "broken", usage: "broken" };\n`);
  const server = await startCopy(dir);
  expect(server.port).toBeNull();
  expect(await exitCodeOf(server.child)).not.toBe(0);
  expect(server.stderr()).toContain("commands/broken.ts");
});

test("a module with no default export stops start-up with a message naming the file", async () => {
  const dir = copyProject();
  writeFileSync(join(dir, "commands", "nodefault.ts"), `export const name = "nodefault";\n`);
  const server = await startCopy(dir);
  expect(server.port).toBeNull();
  expect(await exitCodeOf(server.child)).not.toBe(0);
  expect(server.stderr()).toContain("commands/nodefault.ts");
});

test("a module that does not parse stops start-up with a message naming the file", async () => {
  const dir = copyProject();
  writeFileSync(join(dir, "commands", "typo.ts"), `export default defineCommand({ name: "typo", \n`);
  const server = await startCopy(dir);
  expect(server.port).toBeNull();
  expect(await exitCodeOf(server.child)).not.toBe(0);
  expect(server.stderr()).toContain("typo.ts");
});

test("a module that takes a request name already taken stops start-up naming both files", async () => {
  const dir = copyProject();
  writeFileSync(join(dir, "commands", "shout.ts"), ECHO.replace('name: "echo"', 'name: "msg"'));
  const server = await startCopy(dir);
  expect(server.port).toBeNull();
  expect(await exitCodeOf(server.child)).not.toBe(0);
  expect(server.stderr()).toContain("commands/shout.ts");
  expect(server.stderr()).toContain("commands/msg.ts");
  expect(server.stderr()).toContain("'msg'");
});
