// Limits: every bound the server enforces, with its default and its command-line flag.

export interface Limits {
  maxFrameBytes: number;
  maxMessageChars: number;
  maxUsernameChars: number;
  historyMessages: number;
  maxQueueBytes: number;
  legacyGapMs: number;
  legacyMaxBytes: number;
}

export interface LimitSpec {
  key: keyof Limits;
  flag: string;
  fallback: number;
  help: string;
}

/** One row per limit: the flag and help text of `bun server.ts --help` come from this table. */
export const LIMIT_SPECS: readonly LimitSpec[] = [
  { key: "maxFrameBytes", flag: "max-frame", fallback: 65536, help: "largest request in bytes; a longer one is an error and a disconnect" },
  { key: "maxMessageChars", flag: "max-message", fallback: 1000, help: "longest msg content in characters" },
  { key: "maxUsernameChars", flag: "max-username", fallback: 32, help: "longest username in characters" },
  { key: "historyMessages", flag: "history", fallback: 1000, help: "messages kept and replayed on login" },
  { key: "maxQueueBytes", flag: "max-queue", fallback: 4 * 1024 * 1024, help: "unsent bytes for one client before it is dropped as a slow consumer" },
  { key: "legacyGapMs", flag: "legacy-gap", fallback: 30, help: "milliseconds between two responses to a client that sends bare JSON" },
  { key: "legacyMaxBytes", flag: "legacy-max", fallback: 4096, help: "largest single response to a client that sends bare JSON" },
];

export const DEFAULT_LIMITS: Limits = Object.fromEntries(LIMIT_SPECS.map((spec) => [spec.key, spec.fallback])) as unknown as Limits;
