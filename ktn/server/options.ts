// Server options: the command line of `bun server.ts`, parsed and checked, with usage generated from the limits table.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_LIMITS, LIMIT_SPECS, type Limits } from "./limits.ts";
import { isLogLevel, type LogLevel } from "./log.ts";
import type { WebOptions } from "./web.ts";

export interface ServerSettings {
  host: string;
  port: number;
  logLevel: LogLevel;
  /** SQLite file for history, or `:memory:` for none. */
  db: string;
  ops: string[];
  /** PEM certificate and key, read from the files given. */
  tls?: { cert: string; key: string };
  limits: Limits;
  /** The web client's port; none with `--http-port off`. */
  web?: WebOptions;
  cluster?: ClusterSettings;
  /** Share the port with other processes (SO_REUSEPORT): the kernel spreads connections across them. */
  reusePort: boolean;
}

/** Present when the process is a node of a cluster: shared state lives in Redis. */
export interface ClusterSettings {
  /** As given: redis://HOST:PORT[/DB]. */
  redisUrl: string;
  /** Prefix of every key and channel, so clusters sharing one Redis never see each other. */
  name: string;
  /** Milliseconds a node's presence lives without a heartbeat: how soon a dead node's users are gone. */
  presenceTtlMs: number;
}

export const DEFAULT_PRESENCE_TTL_MS = 5000;

export const DEFAULT_HTTP_PORT = 8080;

export const DEFAULT_DB = "ktn-chat.db";

export class UsageError extends Error {}

export function serverUsage(): string {
  const rows = [
    ["--host H", "address to listen on (default 0.0.0.0, all interfaces)"],
    ["--port P", "TCP port (default 9998; 0 picks a free one)"],
    ["--http-port N", `HTTP port of the web client (default ${DEFAULT_HTTP_PORT}, skipped with a warning when taken; 0 picks a free one; off: none)`],
    ["--log-level L", "debug, info, warn, error or silent (default info)"],
    ["--db PATH", `SQLite file that keeps history, rooms, accounts and bans, with the messages in PATH-messages-* files beside it (default ${DEFAULT_DB}; :memory: keeps nothing)`],
    ["--op NAME", "make a registered name a moderator (repeat for more)"],
    ["--tls-cert FILE", "PEM certificate: serve TLS instead of plain TCP (needs --tls-key)"],
    ["--tls-key FILE", "PEM private key for --tls-cert"],
    ["--redis URL", "redis://HOST:PORT[/DB]: be a node of the cluster sharing that Redis (instead of --db)"],
    ["--cluster NAME", "with --redis: the cluster's name, prefix of all its keys (default ktn)"],
    ["--presence-ttl MS", `with --redis: ms a node's heartbeat lives; a dead node's users are gone within 1⅔ × this (default ${DEFAULT_PRESENCE_TTL_MS})`],
    ["--reuse-port", "share the port with other processes on this machine (SO_REUSEPORT)"],
    ...LIMIT_SPECS.map((spec) => [`--${spec.flag} N`, `${spec.help} (default ${spec.fallback})`]),
    ["-h, --help", "show this help"],
  ];
  const width = Math.max(...rows.map(([flag]) => flag!.length));
  return ["Usage: bun server.ts [options]", "", ...rows.map(([flag, text]) => `  ${flag!.padEnd(width)}  ${text}`)].join("\n");
}

/** Returns null when --help was asked for. Throws UsageError on anything it cannot accept. */
export function parseServerArgs(argv: string[]): ServerSettings | null {
  const limitOptions = Object.fromEntries(LIMIT_SPECS.map((spec) => [spec.flag, { type: "string" as const }]));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { host: { type: "string" }, port: { type: "string" }, "http-port": { type: "string" }, db: { type: "string" }, op: { type: "string", multiple: true }, "tls-cert": { type: "string" }, "tls-key": { type: "string" }, "log-level": { type: "string" }, redis: { type: "string" }, cluster: { type: "string" }, "presence-ttl": { type: "string" }, "reuse-port": { type: "boolean" }, help: { type: "boolean", short: "h" }, ...limitOptions },
      allowPositionals: false,
    });
  } catch (failure) {
    throw new UsageError((failure as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return null;
  const logLevel = String(values["log-level"] ?? "info");
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be one of debug, info, warn, error, silent`);
  const limits = { ...DEFAULT_LIMITS };
  for (const spec of LIMIT_SPECS) {
    if (values[spec.flag] !== undefined) limits[spec.key] = wholeNumber(`--${spec.flag}`, values[spec.flag] as string, spec.min ?? 1);
  }
  return {
    host: String(values.host ?? "0.0.0.0"),
    port: values.port === undefined ? 9998 : wholeNumber("--port", values.port as string, 0, 65535),
    logLevel,
    db: String(values.db ?? DEFAULT_DB),
    ops: (parsed.values.op as string[] | undefined) ?? [],
    tls: readTls(values["tls-cert"] as string | undefined, values["tls-key"] as string | undefined),
    limits,
    web: webPort(values["http-port"] as string | undefined),
    cluster: readCluster(values),
    reusePort: values["reuse-port"] === true,
  };
}

/** The default port is a convenience, so only a port asked for stops start-up when it cannot be bound. */
function webPort(text: string | undefined): WebOptions | undefined {
  if (text === undefined) return { port: DEFAULT_HTTP_PORT, optional: true };
  if (text === "off") return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--http-port must be a port from 0 to 65535, or off, not '${text}'`);
  return { port: wholeNumber("--http-port", text, 0, 65535) };
}

const REDIS_URL = /^redis:\/\/[A-Za-z0-9.\-]+:\d{1,5}(\/\d{1,2})?$/;

function readCluster(values: Record<string, string | boolean | undefined>): ClusterSettings | undefined {
  const url = values.redis as string | undefined;
  if (url === undefined) {
    if (values.cluster !== undefined || values["presence-ttl"] !== undefined) throw new UsageError("--cluster and --presence-ttl need --redis");
    return undefined;
  }
  if (!REDIS_URL.test(url) || Number(url.split(":")[2]!.split("/")[0]) > 65535) throw new UsageError(`--redis must look like redis://HOST:PORT or redis://HOST:PORT/DB, not '${url}'`);
  const name = String(values.cluster ?? "ktn");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new UsageError(`--cluster must be 1 to 64 letters, digits, _ or -, not '${name}'`);
  const ttl = values["presence-ttl"];
  return { redisUrl: url, name, presenceTtlMs: ttl === undefined ? DEFAULT_PRESENCE_TTL_MS : wholeNumber("--presence-ttl", ttl as string, 300, 600_000) };
}

function readTls(certFile: string | undefined, keyFile: string | undefined): ServerSettings["tls"] {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (!certFile || !keyFile) throw new UsageError("--tls-cert and --tls-key go together");
  return { cert: readPem("--tls-cert", certFile), key: readPem("--tls-key", keyFile) };
}

function readPem(flag: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (failure) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(failure as Error).message}`);
  }
}

function wholeNumber(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not '${text}'`);
  return value;
}
