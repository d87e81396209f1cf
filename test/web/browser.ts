// Test support: Debian's Chromium, headless, driven by playwright-core (which downloads no browser), ended by its PID.
import { chromium, type Browser, type BrowserServer } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Nothing in the background: no updates, no sync, no first-run pages, no network of its own. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface RunningBrowser {
  browser: Browser;
  pid: number;
  /** Closes the browser, and kills its process by PID if it is still there. */
  end(): Promise<void>;
}

/**
 * Starts Chromium with a fresh profile: Playwright gives every launch its own --user-data-dir in the
 * temp directory and removes it on close.
 */
export async function startBrowser(): Promise<RunningBrowser> {
  const server: BrowserServer = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 20_000 });
  const pid = server.process().pid!;
  const browser = await chromium.connect(server.wsEndpoint(), { timeout: 10_000 });
  return {
    browser,
    pid,
    async end() {
      await Promise.race([browser.close().then(() => server.close()), Bun.sleep(5000)]).catch(() => {});
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone: the close ended it.
      }
    },
  };
}
