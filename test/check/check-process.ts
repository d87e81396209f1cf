// Test support: `bun check.ts …` as a subprocess, bounded in time, with its JSON report parsed.
import { join } from "node:path";

const CHECK = join(import.meta.dir, "../../check.ts");
/** No run of the checker in these tests comes near this; past it the process is killed (this PID only). */
const LIMIT_MS = 45_000;

export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

export interface JsonCheck {
  id: string;
  verdict: "pass" | "fail" | "warn";
  detail: string;
  evidence: { label: string; entries: { direction: string; text: string }[] }[];
}

/** The report of a `--json` run. */
export interface JsonReport {
  summary: { passed: number; failed: number; warnings: number };
  durationMs: number;
  checks: JsonCheck[];
}

export class CheckProcess {
  stderr = "";
  readonly finished: Promise<Finished>;
  private readonly process: ReturnType<typeof Bun.spawn>;

  constructor(args: string[]) {
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.FORCE_COLOR;
    const child = Bun.spawn(["bun", CHECK, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env });
    this.process = child;
    const stdout = new Response(child.stdout).text();
    const stderr = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) this.stderr += decoder.decode(chunk, { stream: true });
      return this.stderr;
    })();
    const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
    this.finished = (async () => {
      const code = await child.exited;
      clearTimeout(timer);
      return { code, stdout: await stdout, stderr: await stderr };
    })();
  }

  /** The port a `--serve` run listens on, from its first line on stderr. */
  async port(): Promise<number> {
    const deadline = Date.now() + 10_000;
    let match: RegExpMatchArray | null;
    while (!(match = this.stderr.match(/listening on [^ ]+:(\d+)/))) {
      if (Date.now() > deadline || this.process.exitCode !== null) throw new Error(`the grading server did not start:\n${this.stderr}`);
      await Bun.sleep(20);
    }
    return Number(match[1]);
  }

  signal(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }
}

/** Runs the checker to its end. */
export function runCheck(args: string[]): Promise<Finished> {
  return new CheckProcess(args).finished;
}

/** Runs the checker with --json and parses its report. */
export async function runJsonCheck(args: string[]): Promise<Finished & { report: JsonReport }> {
  const finished = await runCheck([...args, "--json"]);
  return { ...finished, report: JSON.parse(finished.stdout) };
}

/** Every check that did not pass, as [id, verdict]: what a test compares. */
export function notPassed(report: JsonReport): [string, string][] {
  return report.checks.filter((check) => check.verdict !== "pass").map((check) => [check.id, check.verdict]);
}
