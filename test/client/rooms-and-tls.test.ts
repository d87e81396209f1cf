// The client with our server's additions: the room in the prompt, private messages marked, TLS.
import { afterAll, expect, test } from "bun:test";
import pc from "picocolors";
import { renderResponse } from "../../ktn/client/render.ts";
import { useCertificate } from "../support/certificate.ts";
import { spawnServer } from "../support/process.ts";
import { TmuxServer } from "../support/tmux.ts";
import { RawPeer, startTestServer } from "../support/wire.ts";
import { CLIENT, runClient, TEST_TZ } from "./client-process.ts";

const tmux = TmuxServer.require("rooms");
const { cert, key } = useCertificate("client-tls");

afterAll(() => tmux.kill());

test("a private message is marked as private, with author and recipient", () => {
  const plain = pc.createColors(false);
  const lines = renderResponse(
    { timestamp: "2026-11-25T12:00:00.000Z", sender: "alice", response: "message", content: "psst", to: "bob" },
    { colors: plain, self: "bob" },
  );
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^\[\d\d:\d\d\] \[private\] alice → bob: psst$/);
});

test("the prompt shows the room after join and after leave", async () => {
  const server = await startTestServer();
  const pane = tmux.open(["bun", CLIENT, "127.0.0.1", String(server.port)], { env: { TZ: TEST_TZ } });
  await pane.waitFor(/^> $/m);
  pane.type("login alice");
  pane.press("Enter");
  await pane.waitFor(/^alice> $/m);
  pane.type("join dev");
  pane.press("Enter");
  await pane.waitFor(/You are in dev now\.[\s\S]*\nalice@dev> $/);
  pane.type("/leave");
  pane.press("Enter");
  await pane.waitFor(/You are in lobby now\.[\s\S]*\nalice@lobby> $/);
  server.stop();
});

test("with --tls --insecure the client talks to a TLS server", async () => {
  const server = await spawnServer(["--tls-cert", cert, "--tls-key", key]);
  const bob = await RawPeer.connect(server.port, { tls: true });
  await bob.login("bob");
  const { code, stdout } = await runClient(["127.0.0.1", String(server.port), "--tls", "--insecure"], ["login alice", "whisper bob over tls"]);
  expect(code).toBe(0);
  expect(stdout).toContain("Login successful. Welcome, alice!");
  expect(stdout).toMatch(/\[private\] alice → bob: over tls/);
  expect((await bob.take(2)).map((r) => r.content)).toEqual(["alice joined the chat.", "over tls"]);
  await server.signal("SIGTERM");
});

test("with --tls alone a self-signed certificate is refused, saying how to accept it", async () => {
  const server = await spawnServer(["--tls-cert", cert, "--tls-key", key]);
  const { code, stderr } = await runClient(["127.0.0.1", String(server.port), "--tls"], ["login alice"]);
  expect(code).toBe(1);
  expect(stderr).toContain(`Cannot connect to 127.0.0.1:${server.port}: TLS failed`);
  expect(stderr).toContain("add --insecure");
  await server.signal("SIGTERM");
});

test("--insecure without --tls is a usage error", async () => {
  const { code, stderr } = await runClient(["127.0.0.1", "9998", "--insecure"]);
  expect(code).toBe(2);
  expect(stderr).toContain("--insecure goes with --tls");
});
