// The client in a real terminal (tmux): what a person sees while typing, colours, wrapping, keys.
// tmux is required; without it every test here fails with a message saying so.
import { afterAll, expect, test } from "bun:test";
import pc from "picocolors";
import { nickColor } from "../../ktn/client/render.ts";
import { peerServer, startFakeServer } from "../support/fake-server.ts";
import { styleAt, TmuxServer, type TmuxPane } from "../support/tmux.ts";
import { RawPeer, startTestServer } from "../support/wire.ts";
import { CLIENT, TEST_TZ } from "./client-process.ts";

const tmux = TmuxServer.require("terminal");
afterAll(() => tmux.kill());

const ESC = "\x1b[";
const colors = pc.createColors(true);
/** The SGR foreground code picocolors paints a nick with, e.g. 35 for magenta. */
const nickCode = (name: string) => Number(/\x1b\[(\d+)m/.exec(nickColor(name, colors)("x"))![1]);

/** Starts the client in a fresh 100x30 terminal and waits for its first prompt. */
async function openClient(port: number, options: { env?: Record<string, string>; args?: string[]; width?: number } = {}): Promise<TmuxPane> {
  const pane = tmux.open(["bun", CLIENT, "127.0.0.1", String(port), ...(options.args ?? [])], {
    env: { TZ: TEST_TZ, ...options.env },
    width: options.width,
  });
  await pane.waitFor(/^> $/m);
  return pane;
}

async function login(pane: TmuxPane, name: string): Promise<void> {
  pane.type(`login ${name}`);
  pane.press("Enter");
  await pane.waitFor(new RegExp(`^${name}> $`, "m"));
}

/** The last line on the screen: where the prompt and the typed input are. */
const lastLine = (screen: string) => screen.split("\n").at(-1);

test.concurrent("a half-typed line survives an incoming message, redrawn below it with the cursor at its end", async () => {
  const server = await startTestServer();
  const pane = await openClient(server.port);
  await login(pane, "alice");
  pane.type("msg half typed");
  await pane.waitFor(/alice> msg half typed$/);
  const bob = await RawPeer.connect(server.port);
  await bob.login("bob");
  bob.send({ request: "msg", content: "hello alice" });
  const screen = await pane.waitFor(/<bob> hello alice\nalice> msg half typed$/);
  const rows = screen.split("\n");
  expect(rows.at(-2)).toMatch(/^\[\d\d:\d\d\] <bob> hello alice$/);
  expect(rows.at(-1)).toBe("alice> msg half typed");
  expect(pane.cursor()).toEqual({ x: "alice> msg half typed".length, y: rows.length - 1 });
  // The input was kept, not just repainted: Enter sends it whole.
  pane.type(" and finished");
  pane.press("Enter");
  await pane.waitFor(/<alice> half typed and finished\nalice> $/);
  bob.close();
  server.stop();
});

test.concurrent("a long half-typed input over several rows survives an incoming message without leftovers", async () => {
  const server = await startTestServer();
  const pane = await openClient(server.port, { width: 40 });
  await login(pane, "alice");
  // "alice> " + 75 columns: three rows at 40 columns. Typed in two bursts that do not end on a row
  // boundary: readline itself (Node's too) misdraws a burst that ends exactly there.
  const typed = "msg " + "word ".repeat(14) + "ok";
  pane.type(typed.slice(0, 30));
  await pane.waitFor(/alice> msg word.*$/);
  pane.type(typed.slice(30));
  await pane.waitFor(/ok$/);
  const bob = await RawPeer.connect(server.port);
  await bob.login("bob");
  bob.send({ request: "msg", content: "interrupting" });
  const screen = await pane.waitFor(/<bob> interrupting\nalice> [\s\S]*ok\s*$/);
  const rows = screen.split("\n");
  const at = rows.findIndex((row) => row.includes("<bob> interrupting"));
  // Below the message: exactly the prompt and the input, wrapped by the terminal; nothing above it left over.
  // (readline puts a space on the row after a full one to move the cursor there.)
  expect(rows.slice(at + 1).join("").trimEnd()).toBe(`alice> ${typed}`);
  expect(rows.slice(0, at).join("\n")).not.toContain("word word");
  bob.close();
  server.stop();
});

test.concurrent("colours on a terminal: nick by stable hash, own nick bold, info dim, errors red with a prefix", async () => {
  const server = await startTestServer();
  const pane = await openClient(server.port);
  await login(pane, "alice");
  const bob = await RawPeer.connect(server.port);
  await bob.login("bob");
  bob.send({ request: "msg", content: "from bob" });
  await pane.waitFor(/<bob> from bob/);
  pane.type("msg from me");
  pane.press("Enter");
  pane.type("nonsense");
  pane.press("Enter");
  const screen = await pane.waitFor(/! error:.*\n.*alice> $/, { colors: true });
  expect(styleAt(screen, "<bob> from bob")).toEqual({ bold: false, dim: false, fg: nickCode("bob") });
  expect(styleAt(screen, " from bob")).toEqual({ bold: false, dim: false, fg: null });
  expect(styleAt(screen, "<alice> from me")).toEqual({ bold: true, dim: false, fg: null });
  expect(styleAt(screen, "* bob joined")).toMatchObject({ dim: true });
  expect(styleAt(screen, "! error:")).toEqual({ bold: true, dim: false, fg: 31 });
  expect(styleAt(screen, " Unknown request")).toMatchObject({ fg: 31 });
  expect(styleAt(screen, "alice> ")).toEqual({ bold: false, dim: false, fg: null });
  // The same name always gets the same colour: the hash does not depend on the session.
  expect(nickColor("bob", colors)("x")).toBe(nickColor("bob", pc.createColors(true))("x"));
  bob.close();
  server.stop();
});

test.concurrent("NO_COLOR and --no-color turn every colour off on a terminal", async () => {
  const server = await startTestServer();
  const runs = [{ env: { NO_COLOR: "1" } }, { args: ["--no-color"] }];
  for (const [i, options] of runs.entries()) {
    const pane = await openClient(server.port, options);
    await login(pane, `plain${i}`);
    pane.type("msg no colours");
    pane.press("Enter");
    pane.type("nonsense");
    pane.press("Enter");
    const screen = await pane.waitFor(/! error:.*\n.*plain\d> $/, { colors: true });
    expect(screen).toContain(`<plain${i}> no colours`);
    expect(screen).not.toContain(ESC);
  }
  server.stop();
});

test.concurrent("history comes first, dimmed and closed by a separator, then live messages", async () => {
  const server = await startTestServer();
  const bob = await RawPeer.connect(server.port);
  await bob.login("bob");
  bob.send({ request: "msg", content: "said before" });
  await bob.next();
  const pane = await openClient(server.port);
  await login(pane, "alice");
  await pane.waitFor(/── end of history ──/);
  bob.send({ request: "msg", content: "said live" });
  const screen = await pane.waitFor(/<bob> said live\nalice> $/);
  expect(screen.split("\n").slice(1)).toEqual([
    expect.stringMatching(/^\[\d\d:\d\d\] \* .*alice/),
    expect.stringMatching(/^\[\d\d:\d\d\] <bob> said before$/),
    "── end of history ──",
    expect.stringMatching(/^\[\d\d:\d\d\] <bob> said live$/),
    "alice> ",
  ]);
  const colored = pane.screen({ colors: true });
  expect(styleAt(colored, " said before")).toMatchObject({ dim: true });
  expect(styleAt(colored, "<bob> said before")).toMatchObject({ dim: true, fg: nickCode("bob") });
  expect(styleAt(colored, "── end of history ──")).toMatchObject({ dim: true });
  expect(styleAt(colored, " said live")).toMatchObject({ dim: false });
  bob.close();
  server.stop();
});

test.concurrent("Ctrl-D on an empty line logs out, closes and exits 0; on a non-empty line it does not leave", async () => {
  const server = await startFakeServer(peerServer({ history: "empty" }));
  const pane = await openClient(server.port);
  await login(pane, "alice");
  pane.type("msg x");
  await pane.waitFor(/alice> msg x$/);
  pane.press("C-d");
  await Bun.sleep(300);
  expect(pane.screen()).not.toContain("[exit");
  expect(lastLine(pane.screen())).toBe("alice> msg x");
  pane.press("C-u");
  pane.press("C-d");
  const screen = await pane.waitFor(/\[exit \d+\]/);
  expect(screen).toMatch(/\* Bye\n\[exit 0\]$/);
  expect(server.requests.map((r) => r.request)).toEqual(["login", "logout"]);
  expect(server.connections[0]!.closed).toBe(true);
  server.stop();
});

test.concurrent("Ctrl-C leaves cleanly too, even with a half-typed line (which is not sent)", async () => {
  const server = await startFakeServer(peerServer({ history: "empty" }));
  const pane = await openClient(server.port);
  await login(pane, "alice");
  pane.type("msg never sent");
  pane.press("C-c");
  const screen = await pane.waitFor(/\[exit \d+\]/);
  expect(screen).toMatch(/\[exit 0\]$/);
  expect(server.requests).toEqual([
    { request: "login", content: "alice" },
    { request: "logout", content: null },
  ]);
  server.stop();
});

test.concurrent("Tab completes request words (with or without /) and the names the client has seen", async () => {
  const server = await startTestServer();
  const bob = await RawPeer.connect(server.port);
  await bob.login("bobby");
  bob.send({ request: "msg", content: "hi" });
  const pane = await openClient(server.port);
  pane.type("lo");
  pane.press("Tab");
  await pane.waitFor(/^> log$/m); // login and logout: completed as far as they agree
  pane.type("i");
  pane.press("Tab");
  await pane.waitFor(/^> login $/m);
  pane.type("alice");
  pane.press("Enter");
  await pane.waitFor(/^alice> $/m);
  pane.type("/na");
  pane.press("Tab");
  await pane.waitFor(/^alice> \/names $/m);
  pane.press("C-u");
  pane.type("msg hello bo");
  pane.press("Tab");
  await pane.waitFor(/^alice> msg hello bobby $/m);
  bob.close();
  server.stop();
});

test.concurrent("long incoming lines wrap under the text column, and the prompt stays intact below", async () => {
  const server = await startTestServer();
  const pane = await openClient(server.port, { width: 60 });
  await login(pane, "alice");
  pane.type("msg typing");
  const bob = await RawPeer.connect(server.port);
  await bob.login("bob");
  const long = "this line is much longer than sixty columns, so it has to wrap onto further rows neatly";
  bob.send({ request: "msg", content: long });
  const screen = await pane.waitFor(/neatly\nalice> msg typing$/);
  const rows = screen.split("\n");
  const first = rows.findIndex((row) => row.includes("<bob> this line"));
  const wrapped = rows.slice(first, rows.length - 1);
  expect(wrapped.length).toBeGreaterThan(1);
  for (const row of wrapped) expect(row.length).toBeLessThanOrEqual(60);
  const column = "[00:00] <bob> ".length;
  for (const row of wrapped.slice(1)) expect(row).toMatch(new RegExp(`^ {${column}}\\S`));
  expect(wrapped.map((row, i) => (i === 0 ? row.slice(column) : row.trim())).join(" ")).toBe(long);
  expect(rows.at(-1)).toBe("alice> msg typing");
  bob.close();
  server.stop();
});

test.concurrent("Unicode typed and received stays intact: accents, CJK, emoji", async () => {
  const server = await startTestServer();
  const pane = await openClient(server.port);
  await login(pane, "alice");
  const text = "héllo wörld 日本語 🎉";
  pane.type(`msg ${text}`);
  pane.press("Enter");
  const screen = await pane.waitFor(/<alice> héllo.*\nalice> $/);
  expect(screen).toContain(`<alice> ${text}`);
  expect(lastLine(screen)).toBe("alice> ");
  server.stop();
});

test.concurrent("a lost connection says so in red, with host and port, and exits 1", async () => {
  const server = await startFakeServer(peerServer({ history: "empty" }));
  const pane = await openClient(server.port);
  await login(pane, "alice");
  server.stop();
  const screen = await pane.waitFor(/\[exit \d+\]/, { colors: true });
  expect(pane.screen()).toContain(`! Connection to 127.0.0.1:${server.port} closed by the server.`);
  expect(styleAt(screen, "! Connection to")).toMatchObject({ fg: 31 });
  expect(screen).toMatch(/\[exit 1\]$/);
});
