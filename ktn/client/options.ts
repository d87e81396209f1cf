// Client options: the command line of `bun client.ts`.
import { parseArgs } from "node:util";
import pkg from "../../package.json" with { type: "json" };

export interface ClientSettings {
  host: string;
  port: number;
  color: boolean;
  /** Speak TLS; `insecure` accepts a certificate nobody vouches for (self-signed test certificates). */
  tls: boolean;
  insecure: boolean;
}

export function clientUsage(): string {
  return [
    "Usage: bun client.ts [host] [port] [options]",
    "",
    "  host            server address (default 127.0.0.1)",
    "  port            server port (default 9998)",
    "  --tls           connect over TLS (for a server started with --tls-cert and --tls-key)",
    "  --insecure      with --tls: accept a self-signed or otherwise untrusted certificate",
    "  --no-color      plain output (also with NO_COLOR set, or when output is not a terminal)",
    "  -V, --version   print the version",
    "  -h, --help      show this help",
    "",
    "Type a request and its content, e.g. `login alice`, `msg hello`, `names`, `help`, `logout`;",
    "a leading / is fine (`/names`), and any other word is sent to the server as it is.",
    "In a terminal: Tab completes requests and names seen; Ctrl-D on an empty line or Ctrl-C",
    "logs out and quits. With piped input the client logs out and exits at the end of it.",
    "",
    "Exit status: 0 after a clean close, 1 when the connection fails or is lost, 2 for bad arguments.",
  ].join("\n");
}

/** The settings, or an exit code when there is nothing to run (help, version, bad arguments). */
export function parseClientArgs(argv: string[]): ClientSettings | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "V" }, "no-color": { type: "boolean" }, tls: { type: "boolean" }, insecure: { type: "boolean" } },
      allowPositionals: true,
    });
  } catch (failure) {
    return usageError((failure as Error).message);
  }
  if (parsed.values.help) return print(clientUsage(), 0);
  if (parsed.values.version) return print(`ktn-chat client ${pkg.version}`, 0);
  const [host = "127.0.0.1", portText = "9998", ...extra] = parsed.positionals;
  if (extra.length > 0) return usageError(`unexpected argument '${extra[0]}'`);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return usageError(`port must be a number from 1 to 65535, not '${portText}'`);
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !parsed.values["no-color"];
  if (parsed.values.insecure && !parsed.values.tls) return usageError("--insecure goes with --tls");
  return { host, port, color, tls: Boolean(parsed.values.tls), insecure: Boolean(parsed.values.insecure) };
}

function usageError(reason: string): number {
  console.error(`${reason}\n\n${clientUsage()}`);
  return 2;
}

function print(text: string, code: number): number {
  console.log(text);
  return code;
}
