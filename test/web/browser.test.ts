// The page in a real browser (headless Chromium): two browser users and a TCP user chat, switch rooms, whisper, and reconnect.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Locator, Page } from "playwright-core";
import type { RunningServer, ServerOptions } from "../../ktn/server/listener.ts";
import { MemoryStore } from "../../ktn/server/engine/store.ts";
import { expectResponse, message } from "../support/conformance.ts";
import { RawPeer, startTestServer } from "../support/wire.ts";
import { startBrowser, type RunningBrowser } from "./browser.ts";

const XSS = "<img src=x onerror=alert(1)>";
const XSS_FLAG = '<img src=x onerror="window.__ktnInjected=1"><script>window.__ktnInjected=2</script>';

let store: MemoryStore;
let server: RunningServer;
let browser: RunningBrowser;
let alice: Page;
let bob: Page;
/** A registered name, logged in with its password: a moderator. */
let dave: Page;
let carol: RawPeer;
/** Every dialog any page opened: a script that ran would have opened one. */
const dialogs: string[] = [];
const pageErrors: string[] = [];

const url = () => server.web!.url;

/** `dave` is registered (and a moderator), so a reconnect must ask for his password. */
const serverOptions = (webPort: number): ServerOptions => ({ web: { port: webPort }, store, ops: ["dave"], limits: { failedLoginDelayMs: 0 } });

async function openPage(): Promise<Page> {
  const context = await browser.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("pageerror", (failure) => pageErrors.push(failure.message));
  await page.goto(url());
  return page;
}

/** Logs in through the form, with the keyboard: the username field has focus when the page opens. */
async function logIn(page: Page, username: string, password = ""): Promise<void> {
  await page.keyboard.type(username);
  if (password) {
    await page.keyboard.press("Tab");
    await page.keyboard.type(password);
  }
  await page.keyboard.press("Enter");
  await page.locator("#status", { hasText: `Connected as ${username}` }).waitFor();
}

async function say(page: Page, text: string): Promise<void> {
  const box = page.getByLabel("Message");
  await box.fill(text);
  await box.press("Enter");
}

/** The log's lines as their text, e.g. "20:41 bob hello". */
const lines = (page: Page) => page.locator("#log .line").allInnerTexts();
const lastLine = (page: Page, text: string) => page.locator("#log .line", { hasText: text }).last();
const people = (page: Page) => page.locator("#people li").allInnerTexts();

/** Retries an assertion about the page until it holds, for at most `timeoutMs`; then fails with its last error. */
async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    try {
      return await check();
    } catch (failure) {
      if (Date.now() > deadline || i > 500) throw failure;
      await Bun.sleep(20);
    }
  }
}

const textOf = (page: Page, selector: string) => page.locator(selector).first().innerText();
const classOf = async (locator: Locator) => (await locator.getAttribute("class")) ?? "";
const focused = (page: Page) => page.evaluate(() => document.activeElement?.id);

beforeAll(async () => {
  store = new MemoryStore(1000);
  store.saveAccount("dave", await Bun.password.hash("dave's long password"));
  server = await startTestServer(serverOptions(0));
  browser = await startBrowser();
  alice = await openPage();
  bob = await openPage();
});

afterAll(async () => {
  carol?.abort();
  await browser?.end();
  server?.stop();
});

test("two browser users and a TCP user log in and talk each way", async () => {
  await logIn(alice, "alice");
  expect(await textOf(alice, "#log .separator")).toBe("── end of history ──");
  await logIn(bob, "bob");
  carol = await RawPeer.connect(server.port);
  await carol.login("carol");
  await alice.locator("#people li", { hasText: "carol" }).waitFor();
  expect(await people(alice)).toEqual(["alice (you)", "bob", "carol"]);

  await say(alice, "hello from a browser");
  expectResponse(await carol.next(), message("alice", "hello from a browser"));
  await lastLine(bob, "hello from a browser").waitFor();
  expect(await lastLine(bob, "hello from a browser").innerText()).toMatch(/^\d\d:\d\d alice hello from a browser$/);
  expect(await classOf(lastLine(alice, "hello from a browser"))).toMatch(/\bown\b/);
  expect(await focused(alice)).toBe("message");

  carol.send({ request: "msg", content: "hello from a terminal" });
  await lastLine(alice, "hello from a terminal").waitFor();
  await lastLine(bob, "hello from a terminal").waitFor();
  const colour = (page: Page) => page.locator("#log .line", { hasText: "hello from a terminal" }).locator(".sender").getAttribute("class");
  expect(await colour(alice)).toBe(await colour(bob));
  expect(await colour(alice)).toMatch(/^sender nick-\d+$/);
  await carol.drain();
});

test("a message that looks like HTML shows as text and runs nothing", async () => {
  carol.send({ request: "msg", content: XSS });
  await say(bob, XSS_FLAG);
  for (const page of [alice, bob]) {
    await lastLine(page, XSS_FLAG).waitFor();
    expect(await page.locator("#log .line .content", { hasText: XSS }).last().textContent()).toBe(XSS);
    expect(await page.locator("#log .line .content", { hasText: "__ktnInjected" }).last().textContent()).toBe(XSS_FLAG);
    expect(await page.locator("#log img, #log script").count()).toBe(0);
    expect(await page.evaluate(() => (window as any).__ktnInjected)).toBeUndefined();
  }
  await Bun.sleep(200); // an onerror handler that ran would have fired by now
  expect(dialogs).toEqual([]);
  await carol.drain();
});

test("rooms: typing /join and clicking a room switch rooms, and the panel follows", async () => {
  await say(alice, "/join dev");
  await eventually(async () => expect(await textOf(alice, "#room")).toBe("dev"));
  await eventually(async () => expect(await people(alice)).toEqual(["alice (you)"]));
  await lastLine(bob, "alice left for dev.").waitFor();
  expect((await carol.next()).content).toBe("alice left for dev.");
  await eventually(async () => expect(await people(bob)).toEqual(["bob (you)", "carol"]));

  await bob.getByRole("button", { name: "Refresh rooms" }).click();
  await bob.locator("#rooms button", { hasText: "dev" }).click();
  await eventually(async () => expect(await textOf(bob, "#room")).toBe("dev"));
  await eventually(async () => expect(await textOf(bob, '#rooms button[aria-current="true"]')).toContain("dev"));
  await eventually(async () => expect(await people(alice)).toEqual(["alice (you)", "bob"]));
  expect((await carol.next()).content).toBe("bob left for dev.");

  await say(bob, "only for dev");
  await lastLine(alice, "only for dev").waitFor();
  expect(await carol.silentFor(200)).toBe(true);
});

test("clicking a name starts a whisper; the private line is styled apart and reaches only its recipient", async () => {
  await bob.locator("#people button", { hasText: "alice" }).click();
  expect(await bob.getByLabel("Message").inputValue()).toBe("/whisper alice ");
  expect(await focused(bob)).toBe("message");
  await bob.keyboard.type("psst, alice");
  await bob.keyboard.press("Enter");
  for (const page of [alice, bob]) {
    const line = lastLine(page, "psst, alice");
    await line.waitFor();
    expect(await classOf(line)).toMatch(/\bprivate\b/);
    expect(await line.locator(".sender").textContent()).toBe("bob → alice");
  }
  expect(await carol.silentFor(200)).toBe(true);
});

test("errors and infos are lines of their own kinds", async () => {
  await say(alice, "/dance");
  const refused = lastLine(alice, "Unknown request 'dance'");
  await refused.waitFor();
  expect(await classOf(refused)).toMatch(/\berror\b/);
  await say(alice, "/names");
  await lastLine(alice, "2 users in dev: alice, bob").waitFor();
  expect(await classOf(lastLine(alice, "2 users in dev: alice, bob"))).toMatch(/\binfo\b/);
});

test("the keyboard alone reaches the panel: Tab to a room, Enter switches to it", async () => {
  await bob.getByLabel("Message").focus();
  for (let i = 0; i < 15 && !(await bob.evaluate(() => document.activeElement?.textContent?.startsWith("lobby"))); i++) await bob.keyboard.press("Tab");
  expect(await bob.evaluate(() => document.activeElement?.textContent)).toStartWith("lobby");
  await bob.keyboard.press("Enter");
  await eventually(async () => expect(await textOf(bob, "#room")).toBe("lobby"));
  expect(await focused(bob)).toBe("message");
});

test("after the server restarts on the same port, the page reconnects and logs in again under the same name", async () => {
  const webPort = server.web!.port;
  carol.abort();
  await server.shutdown();
  await alice.locator("#status", { hasText: "Reconnecting in 1 s" }).waitFor();
  // The first attempt finds nobody listening, so the next waits twice as long.
  await alice.locator("#status", { hasText: "Reconnecting in 2 s" }).waitFor({ timeout: 4000 });
  server = await startTestServer(serverOptions(webPort));
  await alice.locator("#status", { hasText: "Connected as alice" }).waitFor({ timeout: 8000 });
  await bob.locator("#status", { hasText: "Connected as bob" }).waitFor({ timeout: 8000 });
  carol = await RawPeer.connect(server.port);
  await carol.login("carol");
  carol.send({ request: "names", content: null });
  // Both pages reconnect after the same backoff, so either may log in first.
  const names = (await carol.next()).content as string;
  expect(names).toStartWith("3 users in the chat: ");
  expect(names.slice("3 users in the chat: ".length).split(", ").sort()).toEqual(["alice", "bob", "carol"]);
  carol.send({ request: "msg", content: "welcome back" });
  await lastLine(alice, "welcome back").waitFor();
  expect(await textOf(alice, "#room")).toBe("lobby");
  // The history replayed on the new login does not repeat what the page already shows.
  expect((await lines(alice)).filter((line) => line.endsWith("hello from a browser"))).toHaveLength(1);
});

test("a registered name is asked for its password again after a reconnect, and the page keeps none", async () => {
  dave = await openPage();
  await logIn(dave, "dave", "dave's long password");
  expect(await dave.getByLabel("Password").inputValue()).toBe("");
  const webPort = server.web!.port;
  carol.abort();
  server.stop();
  server = await startTestServer(serverOptions(webPort));
  await dave.locator("#login-error", { hasText: "enter its password" }).waitFor({ timeout: 8000 });
  expect(await focused(dave)).toBe("password");
  expect(await dave.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie)).toBe("{}{}");
  await dave.keyboard.type("dave's long password");
  await dave.keyboard.press("Enter");
  await dave.locator("#status", { hasText: "Connected as dave" }).waitFor();
  carol = await RawPeer.connect(server.port);
  await carol.login("carol");
  carol.send({ request: "names", content: null });
  expect((await carol.next()).content).toContain("dave");
});

test("a moderator in the browser kicks a browser user: it is told why and does not come back by itself", async () => {
  await say(dave, "/kick bob enough");
  await bob.locator("#login-error", { hasText: "You were kicked by dave: enough" }).waitFor();
  expect(await textOf(bob, "#status")).toBe("Offline");
  await lastLine(alice, "bob was kicked by dave: enough").waitFor();
  await Bun.sleep(1500); // past the first reconnect delay
  expect(await textOf(bob, "#status")).toBe("Offline");
  expect(await people(alice)).not.toContain("bob");
});

test("the page fits 360 px and 1440 px without sideways scrolling, and follows prefers-color-scheme", async () => {
  for (const width of [360, 1440]) {
    await alice.setViewportSize({ width, height: 800 });
    expect(await alice.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    expect(await alice.getByLabel("Message").isVisible()).toBe(true);
    expect(await alice.locator("#people").isVisible()).toBe(true);
  }
  const background = () => alice.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await alice.emulateMedia({ colorScheme: "light" });
  const light = await background();
  await alice.emulateMedia({ colorScheme: "dark" });
  expect(await background()).not.toBe(light);
  expect(pageErrors).toEqual([]);
});
