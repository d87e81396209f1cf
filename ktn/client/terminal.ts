// The terminal: reads the user's lines and prints the server's, keeping a half-typed line intact.
import * as readline from "node:readline";

const written = new Map<NodeJS.WriteStream, Promise<void>>();

/** Writes to stdout or stderr, remembering when the last write has been handed to the OS. */
export function write(stream: NodeJS.WriteStream, text: string): void {
  if (!text) return;
  written.set(stream, new Promise<void>((resolve) => stream.write(text, () => resolve())));
}

/**
 * Resolves once everything written through `write` has left the process. process.exit drops what a
 * pipe has not taken yet, and a write of "" calls back at once, so the last real write is awaited.
 */
export function allWritten(): Promise<void> {
  return Promise.all(written.values()).then(() => undefined);
}

export interface Terminal {
  /** True on a TTY (prompt, redraw, completion); false when input or output is a pipe. */
  readonly interactive: boolean;
  /** Columns to wrap to on a TTY; undefined in a pipe, where lines are never wrapped. */
  readonly width: number | undefined;
  /** Prints lines above the prompt (on a TTY) or plainly (in a pipe). */
  print(lines: string[]): void;
  setPrompt(prompt: string): void;
  close(): void;
}

export interface TerminalEvents {
  line(text: string): void;
  /** End of input: Ctrl-D on an empty line, Ctrl-C, or the end of a pipe. */
  end(): void;
  /** Words for tab completion: request words first, then the names seen so far. */
  completions(): { requests: string[]; names: string[] };
}

export function openTerminal(events: TerminalEvents): Terminal {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const out = process.stdout;
  const rl = readline.createInterface({
    input: process.stdin,
    output: interactive ? out : undefined,
    terminal: interactive,
    crlfDelay: Infinity,
    historySize: interactive ? 100 : 0,
    completer: interactive ? (line: string) => complete(line, events.completions()) : undefined,
  });
  let open = true;
  rl.on("line", (text) => {
    events.line(text);
    if (interactive && open) rl.prompt();
  });
  rl.on("close", () => {
    if (!open) return;
    open = false;
    // Leave the cursor on a fresh line, so what follows (goodbye, the shell prompt) is not glued to ours.
    if (interactive) write(out, "\n");
    events.end();
  });
  // Ctrl-C (and a polite kill) leave like the end of input: log out, close, exit 0. A second one
  // while leaving does not wait for the server any more.
  const interrupt = () => (open ? rl.close() : process.exit(130));
  if (interactive) rl.on("SIGINT", interrupt);
  else process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  if (interactive) {
    rl.setPrompt("> ");
    rl.prompt();
  }
  return {
    interactive,
    get width() {
      return interactive ? out.columns || 80 : undefined;
    },
    print(lines) {
      if (lines.length === 0) return;
      const text = lines.map((l) => l + "\n").join("");
      if (!interactive || !open) {
        write(out, text);
        return;
      }
      // Erase the prompt and the input under it (which may span several rows), print, redraw both.
      const typed = rl.getCursorPos().rows;
      readline.cursorTo(out, 0);
      if (typed > 0) readline.moveCursor(out, 0, -typed);
      readline.clearScreenDown(out);
      write(out, text);
      // readline redraws by first moving up as many rows as the input had at its last redraw; the
      // cursor now sits on a fresh row below our lines, so that move would eat them. (Node's own
      // readline keeps this count in `prevRows`, and so does Bun's port of it.)
      (rl as unknown as { prevRows: number }).prevRows = 0;
      rl.prompt(true);
    },
    /** Takes effect at the next redraw; the client changes it just before printing the login's answer. */
    setPrompt(prompt) {
      if (interactive) rl.setPrompt(prompt);
    },
    close() {
      if (!open) return;
      open = false;
      rl.close();
    },
  };
}

/**
 * Completes the word under the cursor: the first word from the request words (keeping a leading
 * `/`), any later word from the names seen so far.
 */
export function complete(line: string, words: { requests: string[]; names: string[] }): [string[], string] {
  const current = line.match(/\S*$/)![0];
  const first = !/\s/.test(line.trimStart());
  const slash = first && current.startsWith("/") ? "/" : "";
  const prefix = current.slice(slash.length).toLowerCase();
  const pool = first ? words.requests : words.names;
  const hits = [...new Set(pool)].filter((w) => w.toLowerCase().startsWith(prefix));
  return [hits.map((w) => slash + w + (first || hits.length === 1 ? " " : "")), current];
}
