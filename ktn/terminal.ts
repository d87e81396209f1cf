// The terminal: reads the user's lines and prints the server's, keeping a half-typed line intact.
import * as readline from "node:readline";

export interface Terminal {
  /** Prints lines above the prompt (on a TTY) or plainly (in a pipe). */
  print(lines: string[]): void;
  setPrompt(prompt: string): void;
  close(): void;
}

export interface TerminalEvents {
  line(text: string): void;
  /** End of input: Ctrl-D, Ctrl-C, or the end of a pipe. */
  end(): void;
  /** Words for tab completion. */
  completions(): string[];
}

export function openTerminal(events: TerminalEvents): Terminal {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const rl = readline.createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    crlfDelay: Infinity,
    completer: interactive ? (line: string) => complete(line, events.completions()) : undefined,
  });
  let open = true;
  rl.on("line", (text) => {
    events.line(text);
    if (interactive && open) rl.prompt();
  });
  rl.on("close", () => {
    open = false;
    events.end();
  });
  if (interactive) {
    rl.on("SIGINT", () => rl.close());
    rl.setPrompt("> ");
    rl.prompt();
  }
  return {
    print(lines) {
      if (!interactive || !open) {
        process.stdout.write(lines.map((l) => l + "\n").join(""));
        return;
      }
      readline.clearLine(process.stdout, 0);
      readline.cursorTo(process.stdout, 0);
      process.stdout.write(lines.map((l) => l + "\n").join(""));
      rl.prompt(true);
    },
    setPrompt(prompt) {
      if (interactive) rl.setPrompt(prompt);
    },
    close() {
      if (open) rl.close();
    },
  };
}

/** Completes the word under the cursor from the request words and the names seen so far. */
function complete(line: string, words: string[]): [string[], string] {
  const current = line.split(/\s+/).pop() ?? "";
  const first = !/\s/.test(line.trimStart());
  const prefix = first ? current.replace(/^\//, "") : current;
  const hits = words.filter((w) => w.toLowerCase().startsWith(prefix.toLowerCase()));
  return [hits.map((w) => (first && current.startsWith("/") ? `/${w}` : w) + (first ? " " : "")), current];
}
