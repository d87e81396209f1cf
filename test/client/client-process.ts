// Test support: `bun client.ts …` as a subprocess with piped stdin, stdout and stderr.
import { join } from "node:path";

export const CLIENT = join(import.meta.dir, "../../client.ts");

/** Local time for every client under test: +05:30, so a test can tell local time from UTC. */
export const TEST_TZ = "Asia/Kolkata";

export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

export class ClientProcess {
  stdout = "";
  stderr = "";
  private readonly process: ReturnType<typeof spawnClient>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.process = spawnClient(args, env);
    void collect(this.process.stdout, (text) => (this.stdout += text));
    void collect(this.process.stderr, (text) => (this.stderr += text));
  }

  /** Types one line, as if piped in. */
  type(line: string): void {
    this.process.stdin.write(line + "\n");
    this.process.stdin.flush();
  }

  /** Sends a signal to this client process (and no other). */
  signal(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  /** Ends the input (end of the pipe). */
  end(): void {
    this.process.stdin.end();
  }

  /** Waits until stdout matches; fails with what was printed after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stdout)) {
      if (Date.now() > deadline) throw new Error(`client printed no ${pattern} within ${timeoutMs} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await Bun.sleep(10);
    }
  }

  /** The exit code; kills the client (this PID only) and fails if it has not exited within `timeoutMs`. */
  async exited(timeoutMs = 5000): Promise<Finished> {
    let timer: Timer | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const result = await Promise.race([this.process.exited, timeout]);
    clearTimeout(timer);
    if (result === "timeout") {
      this.process.kill();
      throw new Error(`client still running after ${timeoutMs} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
    }
    // Let the readers take the last bytes from the pipes.
    await Bun.sleep(20);
    return { code: result, stdout: this.stdout, stderr: this.stderr };
  }
}

/** Runs the client with these arguments, pipes in the lines, ends the input and waits for the exit. */
export async function runClient(args: string[], lines: string[] = [], env: Record<string, string> = {}): Promise<Finished> {
  const client = new ClientProcess(args, env);
  for (const line of lines) client.type(line);
  client.end();
  return client.exited();
}

function spawnClient(args: string[], env: Record<string, string>) {
  const base: Record<string, string | undefined> = { ...process.env, TZ: TEST_TZ };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  return Bun.spawn(["bun", CLIENT, ...args], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...base, ...env },
  });
}

async function collect(stream: ReadableStream<Uint8Array>, add: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
}

/** Any ANSI escape sequence: none may appear in piped output. */
export const ESCAPE = /\x1b/;
