// ktn-chat checker: `bun check.ts HOST PORT` grades any KTN server; `bun check.ts --serve PORT` grades any client.
import { gradeServer } from "./ktn/check/grade-server.ts";
import { parseCheckArgs, type ClientGrading, type ServerGrading } from "./ktn/check/options.ts";
import { exitCode, formatJson, formatText, type Outcome } from "./ktn/check/report.ts";
import { Unreachable } from "./ktn/check/run.ts";
import { startGradingServer, type GradingServer } from "./ktn/check/serve.ts";

/** Prints the report (text or JSON) and gives the exit code it calls for. */
function print(what: string, target: string, outcomes: Outcome[], started: number, settings: ServerGrading | ClientGrading): number {
  const ms = performance.now() - started;
  const title = `${what} ${target}: ${outcomes.length} checks in ${(ms / 1000).toFixed(1)} s`;
  process.stdout.write(settings.json ? formatJson(target, outcomes, ms) : formatText(title, outcomes, settings.color));
  return exitCode(outcomes);
}

async function checkServer(settings: ServerGrading): Promise<number> {
  const started = performance.now();
  try {
    return print("KTN server at", `${settings.host}:${settings.port}`, await gradeServer(settings), started, settings);
  } catch (failure) {
    if (!(failure instanceof Unreachable)) throw failure;
    console.error(failure.message);
    return 2;
  }
}

async function checkClient(settings: ClientGrading): Promise<number> {
  let server: GradingServer;
  try {
    server = startGradingServer(settings.host, settings.port);
  } catch (failure) {
    console.error(`cannot listen on ${settings.host}:${settings.port}: ${(failure as Error).message}`);
    return 2;
  }
  // Before the address is printed: whoever reads it may press Ctrl-C at once.
  process.once("SIGINT", () => server.stop());
  const address = `${settings.host}:${server.port}`;
  console.error(`Grading server listening on ${address}. Connect the client under test (our own: bun client.ts ${settings.host} ${server.port})`);
  console.error("and type: login <name>, then once the hard cases are shown, msg <text>, names, help, logout. Ctrl-C ends early.");
  const started = performance.now();
  return print("KTN client on", address, await server.outcomes, started, settings);
}

const settings = parseCheckArgs(Bun.argv.slice(2));
if (typeof settings === "number") process.exit(settings);
process.exit(settings.mode === "server" ? await checkServer(settings) : await checkClient(settings));
