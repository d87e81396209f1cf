// Limits: every bound the server enforces, with its default and its command-line flag.

export interface Limits {
  maxFrameBytes: number;
  maxMessageChars: number;
  maxUsernameChars: number;
  historyMessages: number;
  maxQueueBytes: number;
  legacyGapMs: number;
  legacyMaxBytes: number;
  floodBurst: number;
  floodRate: number;
  maxBadRequests: number;
  loginTimeoutSeconds: number;
  maxConnections: number;
  maxPerAddress: number;
  loopbackExempt: number;
  shutdownGraceMs: number;
  failedLoginDelayMs: number;
}

export interface LimitSpec {
  key: keyof Limits;
  flag: string;
  fallback: number;
  help: string;
  /** Smallest accepted value; 1 unless 0 has a meaning. */
  min?: number;
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
  { key: "floodBurst", flag: "flood-burst", fallback: 20, help: "requests a client may send at once before flood control slows it down" },
  { key: "floodRate", flag: "flood-rate", fallback: 5, min: 0, help: "requests per second a client may send steadily (0: no flood control)" },
  { key: "maxBadRequests", flag: "max-bad-requests", fallback: 20, help: "refused requests per minute before a client is disconnected" },
  { key: "loginTimeoutSeconds", flag: "login-timeout", fallback: 60, help: "seconds a connection may stay without logging in" },
  { key: "maxConnections", flag: "max-connections", fallback: 20000, help: "connections in total" },
  { key: "maxPerAddress", flag: "max-per-address", fallback: 16, help: "connections from one IP address" },
  { key: "loopbackExempt", flag: "loopback-exempt", fallback: 1, min: 0, help: "1: connections from 127.0.0.1 and ::1 skip --max-per-address; 0: they count" },
  { key: "failedLoginDelayMs", flag: "login-fail-delay", fallback: 1000, min: 0, help: "milliseconds before a wrong password is answered" },
  { key: "shutdownGraceMs", flag: "shutdown-grace", fallback: 2000, help: "milliseconds to flush queued responses on SIGTERM or SIGINT" },
];

export const DEFAULT_LIMITS: Limits = Object.fromEntries(LIMIT_SPECS.map((spec) => [spec.key, spec.fallback])) as unknown as Limits;
