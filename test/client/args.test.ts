// The client's command line and exit codes: help, version, bad arguments, refused and lost connections.
import { expect, test } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { peerServer, startFakeServer } from "../support/fake-server.ts";
import { ClientProcess, runClient } from "./client-process.ts";

test.concurrent("--help and -h print the usage and exit 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const { code, stdout } = await runClient([flag]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: bun client.ts [host] [port]");
    expect(stdout).toContain("--no-color");
  }
});

test.concurrent("--version and -V print the version from package.json and exit 0", async () => {
  for (const flag of ["--version", "-V"]) {
    const { code, stdout } = await runClient([flag]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`ktn-chat client ${pkg.version}`);
  }
});

test.concurrent("a non-numeric port prints the usage and exits 2", async () => {
  const { code, stdout, stderr } = await runClient(["127.0.0.1", "abc"]);
  expect(code).toBe(2);
  expect(stdout).toBe("");
  expect(stderr).toContain("port must be a number from 1 to 65535, not 'abc'");
  expect(stderr).toContain("Usage: bun client.ts");
});

test.concurrent("a port out of range, an unknown flag or a third argument exits 2", async () => {
  for (const args of [["127.0.0.1", "70000"], ["127.0.0.1", "0"], ["--colour"], ["127.0.0.1", "9998", "extra"]]) {
    const { code, stderr } = await runClient(args);
    expect(code, args.join(" ")).toBe(2);
    expect(stderr).toContain("Usage: bun client.ts");
  }
});

test.concurrent("a refused connection names host and port on stderr and exits 1", async () => {
  // A port that was free a moment ago: listen on port 0, note it, stop listening.
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  const { code, stdout, stderr } = await runClient(["127.0.0.1", String(port)], ["login alice"]);
  expect(code).toBe(1);
  expect(stdout).toBe("");
  expect(stderr).toBe(`Cannot connect to 127.0.0.1:${port}: connection refused (is the server running there?).\n`);
});

test.concurrent("a connection the server drops names host and port on stderr and exits 1", async () => {
  const server = await startFakeServer((request, connection) => {
    if (request.request === "login") {
      connection.respond({ timestamp: "x", sender: "server", response: "info", content: "hi" });
      connection.close();
    }
  });
  const client = new ClientProcess(["127.0.0.1", String(server.port)]);
  client.type("login alice");
  const { code, stdout, stderr } = await client.exited();
  server.stop();
  expect(code).toBe(1);
  expect(stdout).toBe("[--:--] * hi\n");
  expect(stderr).toBe(`Connection to 127.0.0.1:${server.port} closed by the server.\n`);
});

test.concurrent("a server that stops while the client waits for input is a lost connection, exit 1", async () => {
  const server = await startFakeServer(() => {});
  const client = new ClientProcess(["127.0.0.1", String(server.port)]);
  await server.until(() => server.connections.length === 1, "the client to connect");
  server.stop();
  const { code, stderr } = await client.exited();
  expect(code).toBe(1);
  expect(stderr).toContain(`127.0.0.1:${server.port}`);
});

test.concurrent("SIGTERM or Ctrl-C with piped output leaves cleanly: logout, close, exit 0", async () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const server = await startFakeServer(peerServer({ history: "empty" }));
    const client = new ClientProcess(["127.0.0.1", String(server.port)]);
    client.type("login alice");
    await client.waitFor(/no earlier messages/);
    client.signal(signal);
    const { code } = await client.exited();
    expect(code, signal).toBe(0);
    expect(server.requests.at(-1)).toEqual({ request: "logout", content: null });
    server.stop();
  }
});
