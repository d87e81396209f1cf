// The web port (docs/protocol.md §14): the page, /ws only for this server's own pages, 404 for the rest, TLS, and the --http-port flag.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer } from "../../ktn/server/listener.ts";
import { DEFAULT_HTTP_PORT, parseServerArgs } from "../../ktn/server/options.ts";
import { expectResponses, history, useServer, welcome } from "../support/conformance.ts";
import { useCertificate } from "../support/certificate.ts";
import { spawnServer } from "../support/process.ts";
import { startTestServer } from "../support/wire.ts";
import { rawHttp, useWebSockets, WsPeer } from "./ws-peer.ts";

const chat = useServer({ web: { port: 0 } });
const web = useWebSockets(chat);
const base = () => `http://127.0.0.1:${web.webPort}`;

const { cert, key } = useCertificate("web-tls");

/** The upgrade request a browser sends, from the page at `origin` (none when null). */
const upgrade = (port: number, origin: string | null) =>
  [
    "GET /ws HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    ...(origin === null ? [] : [`Origin: ${origin}`]),
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
  ].join("\n");

test("GET / is the chat page, with the log, the labelled inputs, and only assets of its own", async () => {
  const page = await fetch(`${base()}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toStartWith("text/html");
  const html = await page.text();
  expect(html).toContain('role="log" aria-live="polite"');
  for (const id of ["username", "password", "message"]) expect(html).toMatch(new RegExp(`<label for="${id}">`));
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  expect(assets.filter((url) => url.endsWith(".js")).length).toBe(1);
  expect(assets.filter((url) => url.endsWith(".css")).length).toBe(1);
  for (const url of assets.filter((url) => !url.startsWith("data:"))) {
    expect(url).toStartWith("/");
    const asset = await fetch(`${base()}${url}`);
    expect(asset.status).toBe(200);
    const text = await asset.text();
    // No CDN, no remote font, no import from elsewhere: the page works with no internet.
    expect(text).not.toMatch(/(?:url\(|@import|from\s*)["']?(?:https?:)?\/\//);
    expect(text).not.toMatch(/https?:\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
  }
});

test("/ws opens for the page's own origin and speaks the chat", async () => {
  const peer = await web.ws();
  expectResponses(await peer.login("alice"), [welcome("alice"), history([])]);
});

test("/ws refuses another origin, or none, with 403 and no session", async () => {
  for (const origin of ["http://evil.example", `http://127.0.0.1:${web.webPort + 1}`, `https://127.0.0.1:${web.webPort}`, "null", null]) {
    const answer = await rawHttp(web.webPort, `${upgrade(web.webPort, origin)}\nConnection: close`);
    expect(answer.status).toBe(403);
    expect(answer.text).toContain("Forbidden");
  }
  await expect(WsPeer.connect(web.webPort, { origin: "http://evil.example" })).rejects.toThrow();
});

test("GET /ws without an upgrade is 426", async () => {
  const answer = await fetch(`${base()}/ws`, { headers: { origin: base() } });
  expect(answer.status).toBe(426);
});

test("every other path is 404, with no listing, no file from disk and no stack trace", async () => {
  for (const path of ["/nope", "/index.html", "/app.ts", "/ktn/web/app.ts", "/ktn/", "/style.css", "/server.ts", "/package.json", "/ws/x"]) {
    const answer = await fetch(`${base()}${path}`);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toBe("Not Found\n");
  }
  // Written by hand so no client tidies the path before it reaches the server.
  for (const path of ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fpackage.json", "//etc/passwd", "/./server.ts"]) {
    const answer = await rawHttp(web.webPort, `GET ${path} HTTP/1.1\nHost: 127.0.0.1\nConnection: close`);
    expect(answer.status).toBe(404);
    expect(answer.text).not.toContain("root:");
    expect(answer.text).not.toMatch(/\bat .*\.ts:\d+/);
  }
});

test("with --tls-cert and --tls-key the web port serves https and wss", async () => {
  const server = await startTestServer({ web: { port: 0 }, tls: { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") } });
  try {
    expect(server.web!.url).toBe(`https://127.0.0.1:${server.web!.port}/`);
    const page = await fetch(server.web!.url, { tls: { rejectUnauthorized: false } } as any);
    expect(await page.text()).toContain('role="log"');
    const peer = await WsPeer.connect(server.web!.port, { secure: true });
    expectResponses(await peer.login("alice"), [welcome("alice"), history([])]);
    peer.close();
    await expect(fetch(`http://127.0.0.1:${server.web!.port}/`)).rejects.toThrow();
  } finally {
    server.stop();
  }
});

test("startServer opens no web port unless asked", async () => {
  const server = await startTestServer();
  expect(server.web).toBeNull();
  server.stop();
});

test("the default port, when taken, is skipped: the chat runs without the web client", async () => {
  const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const server = await startTestServer({ web: { port: holder.port, optional: true } });
    expect(server.web).toBeNull();
    const peer = await chat.connect();
    expect(peer.closed).toBe(false);
    server.stop();
  } finally {
    holder.stop(true);
  }
});

test("a web port asked for that cannot be bound stops start-up, and the TCP port is let go", async () => {
  const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const free = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const tcpPort = free.port;
  free.stop(true);
  try {
    await expect(startServer({ host: "127.0.0.1", port: tcpPort, web: { port: holder.port } })).rejects.toMatchObject({ code: "EADDRINUSE" });
    const again = Bun.listen({ hostname: "127.0.0.1", port: tcpPort, socket: { data() {} } });
    again.stop(true);
  } finally {
    holder.stop(true);
  }
});

test("--http-port: 8080 by default and skipped when taken, a number is required, off turns it off", () => {
  expect(DEFAULT_HTTP_PORT).toBe(8080);
  expect(parseServerArgs([])!.web).toEqual({ port: 8080, optional: true });
  expect(parseServerArgs(["--http-port", "0"])!.web).toEqual({ port: 0 });
  expect(parseServerArgs(["--http-port", "8081"])!.web).toEqual({ port: 8081 });
  expect(parseServerArgs(["--http-port", "off"])!.web).toBeUndefined();
  expect(() => parseServerArgs(["--http-port", "web"])).toThrow("--http-port must be a port from 0 to 65535, or off, not 'web'");
  expect(() => parseServerArgs(["--http-port", "70000"])).toThrow("--http-port must be a whole number from 0 to 65535, not '70000'");
});

test("bun server.ts --http-port 0 logs the page's address and serves it; a taken port asked for is exit 1", async () => {
  const server = await spawnServer(["--http-port", "0"]);
  const url = server.log().match(/web client at (http:\/\/127\.0\.0\.1:(\d+)\/)/);
  expect(url).not.toBeNull();
  expect((await fetch(url![1]!)).status).toBe(200);
  const taken = Bun.spawn(["bun", join(import.meta.dir, "..", "..", "server.ts"), "--host", "127.0.0.1", "--port", "0", "--db", ":memory:", "--http-port", url![2]!], { stdout: "ignore", stderr: "pipe" });
  const code = await Promise.race([taken.exited, Bun.sleep(10_000).then(() => (taken.kill(), -1))]);
  expect(code).toBe(1);
  expect(await new Response(taken.stderr).text()).toContain("Cannot start:");
  expect(await server.signal("SIGTERM")).toBe(0);
});

test("bun server.ts --http-port off logs no web address", async () => {
  const server = await spawnServer();
  expect(server.log()).not.toContain("web client at");
  await server.signal("SIGTERM");
});
