// Test support: `bun server.ts` as a child process, for what only a real process shows (signals, RSS, logs).
import { readFileSync } from "node:fs";
import { join } from "node:path";

const SERVER = join(import.meta.dir, "..", "..", "server.ts");

export interface ServerProcess {
  port: number;
  pid: number;
  /** Everything the server wrote to stderr so far. */
  log(): string;
  /** Resident memory of the server process in KiB, from /proc. */
  rssKiB(): number;
  /** Sends a signal and waits for the exit code (bounded). */
  signal(name: "SIGTERM" | "SIGINT" | "SIGKILL"): Promise<number>;
  kill(): void;
}

/** Every server this test run started and has not seen exit: a failed test must not leave one behind. */
const running = new Set<{ kill(signal?: number | NodeJS.Signals): void }>();

/** Registers a child process (a server, a redis-server) so that it cannot outlive the run. */
export function track(proc: { kill(signal?: number | NodeJS.Signals): void; exited: Promise<number> }): void {
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
}

/** Kills what is still running; test/preload.ts calls it once every test file has run. */
export function killLeftoverServers(): void {
  for (const proc of running) proc.kill("SIGKILL");
}

/** Starts `bun server.ts --host 127.0.0.1 --port 0 …args` (history in memory unless --db is given, no web port unless --http-port is) and waits for its listening line. */
export async function spawnServer(args: string[] = [], cwd?: string): Promise<ServerProcess> {
  const db = args.includes("--db") ? [] : ["--db", ":memory:"];
  // Without the flag every server would try the web client's default port, 8080, and parallel runs would race for it.
  const web = args.includes("--http-port") ? [] : ["--http-port", "off"];
  const proc = Bun.spawn(["bun", SERVER, "--host", "127.0.0.1", "--port", "0", ...db, ...web, ...args], {
    cwd,
    stdout: "ignore",
    stderr: "pipe",
    onExit(exited) {
      running.delete(exited);
    },
  });
  running.add(proc);
  let stderr = "";
  const reader = proc.stderr.getReader();
  const pump = (async () => {
    for (let i = 0; i < 100_000; i++) {
      const { value, done } = await reader.read();
      if (done) return;
      stderr += new TextDecoder().decode(value);
    }
  })();
  const deadline = Date.now() + 10_000;
  let match: RegExpMatchArray | null = null;
  // The start-up lines end with where history is kept; until then the web address may be still unread.
  const started = () => (/history is kept|node of cluster/.test(stderr) ? stderr.match(/listening on [^ ]+:(\d+)/) : null);
  while (!(match = started()) && Date.now() < deadline && proc.exitCode === null) await Bun.sleep(20);
  if (!match) {
    proc.kill();
    throw new Error(`server did not start:\n${stderr}`);
  }
  return {
    port: Number(match[1]),
    pid: proc.pid,
    log: () => stderr,
    rssKiB: () => Number(readFileSync(`/proc/${proc.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]),
    async signal(name) {
      proc.kill(name);
      const code = await Promise.race([proc.exited, Bun.sleep(10_000).then(() => -1)]);
      if (code === -1) proc.kill("SIGKILL");
      await pump.catch(() => {});
      return code;
    },
    kill: () => proc.kill("SIGKILL"),
  };
}

/** A peer that logs in and then never reads, with a tiny receive buffer, so the kernel soon stops taking the server's writes (python3: Bun sets no SO_RCVBUF). */
export function spawnNonReader(port: number, username: string) {
  const proc = Bun.spawn(["python3", "-c", [
    "import socket, time",
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)",
    `s.connect(("127.0.0.1", ${port}))`,
    `s.sendall(b'{"request": "login", "content": "${username}"}')`,
    "time.sleep(20)",
  ].join("\n")]);
  track(proc);
  return proc;
}
