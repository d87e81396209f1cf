// Conformance, docs/protocol.md §3 help: an info whose content is the help text generated from the loaded commands.
import { expect, test } from "bun:test";
import { DEFAULT_LIMITS } from "../../ktn/server/limits.ts";
import { helpText, loadCommands } from "../../ktn/server/registry.ts";
import { expectResponse, info, useServer } from "../support/conformance.ts";

const chat = useServer();

/** The course text's five requests as a person types them, the way help must show them. */
const SEED_USAGES = ["login <username>", "logout", "msg <message>", "names", "help"];

async function helpContent(): Promise<string> {
  const peer = await chat.connect();
  peer.send({ request: "help", content: null });
  const answer = await peer.next();
  expect(answer.response).toBe("info");
  return answer.content;
}

test("help before login answers with an info holding the help text of the loaded commands", async () => {
  const peer = await chat.connect();
  peer.send({ request: "help", content: null });
  expectResponse(await peer.next(), info(helpText((await loadCommands(DEFAULT_LIMITS)).values())));
});

test("help after login answers with the same help text", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "help", content: null });
  expectResponse(await alice.next(), info(await helpContent()));
});

test("help lists every course request on a line of its own, with its usage", async () => {
  const lines = (await helpContent()).split("\n");
  for (const usage of SEED_USAGES) {
    expect(lines.filter((line) => line.trim().startsWith(usage + " ") || line.trim() === usage)).toHaveLength(1);
  }
});

test("help lists every request in commands/, and nothing else", async () => {
  const content = await helpContent();
  const commands = [...(await loadCommands(DEFAULT_LIMITS)).values()];
  const requestLines = content.split("\n").filter((line) => line.startsWith("  "));
  expect(requestLines).toHaveLength(commands.length);
  for (const command of commands) expect(content).toContain(`${command.usage}`);
  for (const command of commands) expect(content).toContain(command.summary);
});

test("help groups the requests by who may make them: before login, after login, moderators", async () => {
  const lines = (await helpContent()).split("\n");
  const group = (usage: string) => {
    const at = lines.findIndex((l) => l.trim().startsWith(usage));
    return lines.slice(0, at).reverse().find((l) => !l.startsWith("  "));
  };
  expect(group("login <username>")).toBe("Requests:");
  expect(group("help")).toBe("Requests:");
  expect(group("msg <message>")).toBe("After login:");
  expect(group("names")).toBe("After login:");
  expect(group("logout")).toBe("After login:");
  expect(group("kick <user>")).toBe("Moderators only:");
});
