// TLS: with --tls-cert and --tls-key the server speaks TLS only, and no password crosses the wire in clear.
import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { join } from "node:path";
import { useCertificate } from "../support/certificate.ts";
import { spawnServer, type ServerProcess } from "../support/process.ts";
import { RawPeer } from "../support/wire.ts";

const { cert, key } = useCertificate("tls");
const PASSWORD = "tls protected password";

/** A TCP relay that records every byte the client sends, to see what an eavesdropper would see. */
async function recordingRelay(target: number): Promise<{ port: number; seen: () => string; stop: () => void }> {
  const chunks: Buffer[] = [];
  const relay = Bun.listen<{ upstream: Promise<Socket> }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        client.data = {
          upstream: Bun.connect({
            hostname: "127.0.0.1",
            port: target,
            socket: { data: (_s, chunk) => void client.write(chunk), close: () => void client.end() },
          }),
        };
      },
      async data(_client, chunk) {
        chunks.push(Buffer.from(chunk));
        (await _client.data.upstream).write(chunk);
      },
      async close(client) {
        (await client.data.upstream).end();
      },
    },
  });
  return { port: relay.port, seen: () => Buffer.concat(chunks).toString("latin1"), stop: () => relay.stop(true) };
}

async function registerThroughRelay(server: ServerProcess, tls: boolean): Promise<string> {
  const relay = await recordingRelay(server.port);
  const alice = await RawPeer.connect(relay.port, { tls });
  const [welcome] = await alice.login("alice");
  expect(welcome.content).toBe("Login successful. Welcome, alice!");
  alice.send({ request: "register", content: PASSWORD });
  expect((await alice.next()).response).toBe("info");
  alice.send({ request: "logout", content: null });
  await alice.waitClosed();
  const owner = await RawPeer.connect(relay.port, { tls });
  owner.send({ request: "login", content: `alice ${PASSWORD}` });
  expect((await owner.next()).content).toBe("Login successful. Welcome, alice!");
  owner.close();
  await Bun.sleep(50);
  relay.stop();
  return relay.seen();
}

test("with TLS on, no password (nor any request) crosses the wire in clear", async () => {
  const server = await spawnServer(["--tls-cert", cert, "--tls-key", key]);
  const seen = await registerThroughRelay(server, true);
  expect(seen.length).toBeGreaterThan(500);
  expect(seen).not.toContain(PASSWORD);
  expect(seen).not.toContain("register");
  expect(seen).not.toContain("alice");
  await server.signal("SIGTERM");
});

test("without TLS the same exchange shows the password to an eavesdropper (the relay sees what it should)", async () => {
  const server = await spawnServer();
  expect(await registerThroughRelay(server, false)).toContain(PASSWORD);
  await server.signal("SIGTERM");
});

test("a TLS server answers nothing to a plain-TCP client", async () => {
  const server = await spawnServer(["--tls-cert", cert, "--tls-key", key]);
  const plain = await RawPeer.connect(server.port);
  plain.send({ request: "help", content: null });
  await Bun.sleep(300);
  expect(plain.reads.every((read) => !read.bytes.toString().includes("Requests:"))).toBe(true);
  plain.close();
  await server.signal("SIGTERM");
});

test("--tls-cert without --tls-key is a usage error", async () => {
  const proc = Bun.spawn(["bun", join(import.meta.dir, "..", "..", "server.ts"), "--http-port", "off", "--tls-cert", cert], { stdout: "ignore", stderr: "pipe" });
  expect(await proc.exited).toBe(2);
  expect(await new Response(proc.stderr).text()).toContain("--tls-cert and --tls-key go together");
});
