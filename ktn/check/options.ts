// Checker options: the command line of `bun check.ts`.
import { parseArgs } from "node:util";

/** Long enough for a slow server on a far network, short enough that a silent one costs seconds. */
const DEFAULT_TIMEOUT_MS = 3000;

interface Output {
  json: boolean;
  color: boolean;
}

/** Grade the server at host:port. */
export interface ServerGrading extends Output {
  mode: "server";
  host: string;
  port: number;
  timeoutMs: number;
}

/** Listen on host:port and grade the client that connects. */
export interface ClientGrading extends Output {
  mode: "client";
  host: string;
  port: number;
}

type CheckSettings = ServerGrading | ClientGrading;

function checkUsage(): string {
  return [
    "Usage: bun check.ts HOST PORT [--json] [--timeout MS] [--no-color]   grade the KTN server at HOST:PORT",
    "       bun check.ts --serve PORT [--host H] [--json] [--no-color]  grade the KTN client that connects",
    "",
    "  --timeout MS   longest wait for any one step of a server's grading (default 3000)",
    "  --serve PORT   be a grading server on PORT (0 picks a free one) and grade one client session:",
    "                 connect your client and type login <name>, msg <text>, names, help, logout",
    "  --host H       with --serve: the address to listen on (default 127.0.0.1)",
    "  --json         print the report as JSON (for CI)",
    "  --no-color     plain text (also with NO_COLOR set, or when output is not a terminal)",
    "  -h, --help     show this help",
    "",
    "Exit status: 0 when no check failed (warnings allowed), 1 when one did, 2 for bad arguments",
    "or a server that cannot be reached.",
  ].join("\n");
}

/** The settings, or an exit code when there is nothing to run (help, bad arguments). */
export function parseCheckArgs(argv: string[]): CheckSettings | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        help: { type: "boolean", short: "h" },
        json: { type: "boolean" },
        "no-color": { type: "boolean" },
        timeout: { type: "string" },
        serve: { type: "string" },
        host: { type: "string" },
      },
      allowPositionals: true,
    });
  } catch (failure) {
    return refuse((failure as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(checkUsage());
    return 0;
  }
  const output = { json: Boolean(values.json), color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !values["no-color"] && !values.json };
  if (values.serve !== undefined) {
    if (positionals.length > 0) return refuse(`--serve takes no HOST PORT, got '${positionals.join(" ")}'`);
    if (values.timeout !== undefined) return refuse("--timeout is for grading a server; the grading server waits for the client");
    const port = portOf(values.serve, 0);
    return typeof port === "string" ? refuse(port) : { mode: "client", host: values.host ?? "127.0.0.1", port, ...output };
  }
  if (values.host !== undefined) return refuse("--host goes with --serve; to grade a server give HOST PORT");
  if (positionals.length !== 2) return refuse(positionals.length < 2 ? "give the server's HOST and PORT" : `unexpected argument '${positionals[2]}'`);
  const [host, portText] = positionals as [string, string];
  const port = portOf(portText, 1);
  if (typeof port === "string") return refuse(port);
  const timeoutMs = Number(values.timeout ?? DEFAULT_TIMEOUT_MS);
  if (!/^\d+$/.test(values.timeout ?? "0") || timeoutMs < 100 || timeoutMs > 60_000) return refuse(`--timeout is in ms, from 100 to 60000, not '${values.timeout}'`);
  return { mode: "server", host, port, timeoutMs, ...output };
}

/** The port, or why the text is not one. */
function portOf(text: string, lowest: number): number | string {
  const port = Number(text);
  return /^\d+$/.test(text) && port >= lowest && port <= 65535 ? port : `the port is a number from ${lowest} to 65535, not '${text}'`;
}

function refuse(reason: string): number {
  console.error(`${reason}\n\n${checkUsage()}`);
  return 2;
}
