// The server log: one line per event on stderr, filtered by level.

const LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LEVELS)[number];

let threshold = LEVELS.indexOf("info");

export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS.indexOf(level);
}

export function isLogLevel(value: string): value is LogLevel {
  return (LEVELS as readonly string[]).includes(value);
}

function write(level: LogLevel, text: string, always = false): void {
  if (LEVELS.indexOf(level) < threshold && !(always && threshold < LEVELS.indexOf("silent"))) return;
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${text}\n`);
}

/** Whether debug lines are written, so a per-message caller can skip building them. */
export function debugging(): boolean {
  return threshold === 0;
}

export const log = {
  debug: (text: string) => write("debug", text),
  info: (text: string) => write("info", text),
  warn: (text: string) => write("warn", text),
  error: (text: string) => write("error", text),
  /** Start-up and shutdown lines: shown at every level but silent, since people and scripts wait for them. */
  always: (text: string) => write("info", text, true),
};
