// Test support: a real redis-server on a free 127.0.0.1 port, appendonly in a temporary folder, stopped by its PID.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { track } from "./process.ts";

export interface RedisServer {
  port: number;
  url: string;
  /** Graceful SHUTDOWN (the append-only file is written out), then waits for the exit. */
  stop(): Promise<void>;
  /** Stops it, then starts it again on the same port and folder: what it had survives. */
  restart(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  /** Runs one command with redis-cli-like arguments on a fresh connection, for tests that write into Redis. */
  command(args: string[]): Promise<unknown>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

/** A port nothing listens on right now (the kernel picks it), for redis-server, which cannot take port 0. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "ktn-redis-"));
  const port = freePort();
  let proc = await launch(port, dir);
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGCONT");
      await server.command(["SHUTDOWN"]).catch(() => {});
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
      if (!exited) proc.kill("SIGKILL");
      await proc.exited;
    },
    async restart() {
      await server.stop();
      proc = await launch(port, dir);
    },
    pause: () => proc.kill("SIGSTOP"),
    resume: () => proc.kill("SIGCONT"),
    async command(args) {
      const client = new Bun.RedisClient(server.url, { autoReconnect: false, connectionTimeout: 2000 });
      try {
        return await client.send(args[0]!, args.slice(1));
      } finally {
        client.close();
      }
    },
    async dispose() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

async function launch(port: number, dir: string) {
  const proc = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", dir], {
    stdout: "ignore",
    stderr: "ignore",
  });
  track(proc);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && proc.exitCode === null) {
    if (await answersPing(port)) return proc;
    await Bun.sleep(50);
  }
  proc.kill("SIGKILL");
  throw new Error(`redis-server did not answer PING on port ${port}`);
}

async function answersPing(port: number): Promise<boolean> {
  const client = new Bun.RedisClient(`redis://127.0.0.1:${port}`, { autoReconnect: false, connectionTimeout: 500 });
  try {
    return (await client.send("PING", [])) === "PONG";
  } catch {
    return false;
  } finally {
    client.close();
  }
}
