// Test support: a program in a real terminal, driven through tmux — type keys, read the screen.
//
// Each test file gets its own tmux server (`-L <unique name>`, no user config), and kills only that
// server at the end. tmux is required: without it these tests fail with a message saying so
// (CI installs it in .ci/run), they never skip silently.

import { rmSync } from "node:fs";

export const TMUX = Bun.which("tmux");

let counter = 0;

export class TmuxServer {
  private constructor(readonly socketName: string) {}

  /** A private tmux server named for the test file; throws when tmux is missing, so tests fail loudly. */
  static require(label: string): TmuxServer {
    if (!TMUX) throw new Error("tmux is not installed (not on PATH): the terminal client tests need it. Install tmux (apt-get install tmux); .ci/run does.");
    const random = Math.random().toString(36).slice(2, 8);
    return new TmuxServer(`ktn-${label}-${process.pid}-${random}`);
  }

  /** Runs one tmux command on this server; throws with tmux's stderr when it fails. */
  run(args: string[]): string {
    const result = Bun.spawnSync([TMUX!, "-L", this.socketName, "-f", "/dev/null", ...args], { stdout: "pipe", stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(`tmux ${args.join(" ")} failed: ${result.stderr.toString().trim()}`);
    return result.stdout.toString();
  }

  /**
   * Starts `command` (an argv) in a new detached window of `width` x `height`. When the command ends,
   * the pane shows `[exit N]` and stays open, so a test can read the exit code from the screen.
   */
  open(command: string[], options: { width?: number; height?: number; env?: Record<string, string> } = {}): TmuxPane {
    const name = `t${++counter}`;
    const env = Object.entries({ LANG: "C.UTF-8", LC_ALL: "C.UTF-8", ...options.env }).map(([k, v]) => `${k}=${shellQuote(v)}`);
    // `sleep` keeps the pane readable after the exit; killing the server ends it.
    const script = `env ${env.join(" ")} ${command.map(shellQuote).join(" ")}; echo "[exit $?]"; sleep 60`;
    this.run(["new-session", "-d", "-s", name, "-x", String(options.width ?? 100), "-y", String(options.height ?? 30), script]);
    return new TmuxPane(this, name);
  }

  /** Ends this tmux server and everything running in it, and removes its socket; no other server is touched. */
  kill(): void {
    let socketPath = "";
    try {
      socketPath = this.run(["display-message", "-p", "#{socket_path}"]).trim();
      this.run(["kill-server"]);
    } catch {
      // Never started, or already gone.
    }
    // tmux leaves the socket file behind after kill-server.
    if (socketPath.endsWith(`/${this.socketName}`)) rmSync(socketPath, { force: true });
  }
}

export class TmuxPane {
  constructor(
    private readonly server: TmuxServer,
    readonly target: string,
  ) {}

  /** Types text literally (no key names), without Enter. */
  type(text: string): void {
    this.server.run(["send-keys", "-t", this.target, "-l", text]);
  }

  /** Presses keys by tmux name: "Enter", "C-d", "C-c", "Tab", "BSpace"… */
  press(...keys: string[]): void {
    this.server.run(["send-keys", "-t", this.target, ...keys]);
  }

  /** The visible screen as text (a prompt's trailing space kept), blank lines at the bottom removed; with `colors`, SGR codes included. */
  screen(options: { colors?: boolean } = {}): string {
    const text = this.server.run(["capture-pane", "-p", "-N", "-t", this.target, ...(options.colors ? ["-e"] : [])]);
    return text.replace(/\n+$/, "");
  }

  /** Polls the screen until it matches; fails with the screen after `timeoutMs`. */
  async waitFor(pattern: RegExp, options: { timeoutMs?: number; colors?: boolean } = {}): Promise<string> {
    const timeoutMs = options.timeoutMs ?? 4000;
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    for (let attempt = 0; attempt < 1000; attempt++) {
      screen = this.screen(options);
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) break;
      await Bun.sleep(25);
    }
    throw new Error(`screen did not show ${pattern} within ${timeoutMs} ms; it shows:\n${screen}`);
  }

  /** The cursor's column and row on the screen. */
  cursor(): { x: number; y: number } {
    const [x, y] = this.server.run(["display-message", "-p", "-t", this.target, "#{cursor_x} #{cursor_y}"]).trim().split(" ").map(Number);
    return { x: x!, y: y! };
  }
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The look of one cell, from the SGR codes `capture-pane -e` emits. */
export interface Style {
  bold: boolean;
  dim: boolean;
  /** The SGR foreground code (31 red, 35 magenta, 95 bright magenta…), or null for the default. */
  fg: number | null;
}

/**
 * The style in effect where `text` first starts on a screen captured with colours. tmux emits only
 * changes, and carries them across line ends, so the state is followed from the top of the screen.
 */
export function styleAt(coloredScreen: string, text: string): Style | null {
  const style: Style = { bold: false, dim: false, fg: null };
  for (let i = 0; i < coloredScreen.length; ) {
    const escape = /^\x1b\[([0-9;]*)m/.exec(coloredScreen.slice(i, i + 32));
    if (escape) {
      applySgr(style, escape[1]!);
      i += escape[0].length;
      continue;
    }
    if (coloredScreen.slice(i, i + 4 * text.length + 64).replace(/\x1b\[[0-9;]*m/g, "").startsWith(text)) return { ...style };
    i++;
  }
  return null;
}

function applySgr(style: Style, params: string): void {
  const codes = params === "" ? [0] : params.split(";").map(Number);
  for (let k = 0; k < codes.length; k++) {
    const code = codes[k]!;
    if (code === 0) Object.assign(style, { bold: false, dim: false, fg: null });
    else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 22) Object.assign(style, { bold: false, dim: false });
    else if (code === 39) style.fg = null;
    else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) style.fg = code;
    else if (code === 38 || code === 48) k += codes[k + 1] === 5 ? 2 : 4; // 256-colour or RGB: skip its arguments
  }
}
