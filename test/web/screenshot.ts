// Makes docs/web-client.png: the page in headless Chromium, mid-conversation. Run `bun test/web/screenshot.ts`.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { setLogLevel } from "../../ktn/server/log.ts";
import { startServer } from "../../ktn/server/listener.ts";
import { RawPeer } from "../support/wire.ts";
import { startBrowser } from "./browser.ts";

const OUT = join(import.meta.dir, "..", "..", "docs", "web-client.png");

setLogLevel("silent");
const server = await startServer({ host: "127.0.0.1", port: 0, web: { port: 0 }, limits: { floodRate: 0 } });
const browser = await startBrowser();
try {
  const carol = await RawPeer.connect(server.port);
  await carol.login("carol");
  carol.send({ request: "msg", content: "anyone tried the new web client yet?" });
  await carol.next();

  const bob = await openAs("bob", { width: 800, height: 600 });
  await say(bob, "yes, and it sits in the same rooms as the terminal client");
  await Bun.sleep(100);

  const alice = await openAs("alice", { width: 1280, height: 760 });
  carol.send({ request: "msg", content: "welcome alice! try clicking a name to whisper" });
  await Bun.sleep(100);
  await say(alice, "hei alle sammen! Blåbærsyltetøy works fine, and long lines wrap inside the log instead of running off the edge of the window");
  await alice.locator("#people button", { hasText: "bob" }).click();
  await alice.keyboard.type("are you coming to the lab later?");
  await alice.keyboard.press("Enter");
  await say(bob, "/whisper alice at three");
  await say(alice, "<b>markup</b> shows as text");
  await Bun.sleep(200);
  await alice.getByLabel("Message").fill("/join dev");
  await alice.mouse.move(0, 0);
  await alice.screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
  carol.abort();
} finally {
  await browser.end();
  server.stop();
}

async function openAs(username: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await (await browser.browser.newContext({ viewport, colorScheme: "light" })).newPage();
  await page.goto(server.web!.url);
  await page.keyboard.type(username);
  await page.keyboard.press("Enter");
  await page.locator("#status", { hasText: `Connected as ${username}` }).waitFor();
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}
