// ktn-chat server: `bun server.ts [--host H] [--port P] [limits…]`; `--help` lists every flag.
import { startServer } from "./ktn/listener.ts";
import { log, setLogLevel } from "./ktn/log.ts";
import { parseServerArgs, serverUsage, UsageError } from "./ktn/options.ts";
import { CommandLoadError } from "./ktn/registry.ts";

async function main(): Promise<number> {
  let settings;
  try {
    settings = parseServerArgs(Bun.argv.slice(2));
  } catch (failure) {
    if (!(failure instanceof UsageError)) throw failure;
    console.error(`${failure.message}\n\n${serverUsage()}`);
    return 2;
  }
  if (!settings) {
    console.log(serverUsage());
    return 0;
  }
  setLogLevel(settings.logLevel);
  try {
    const server = await startServer(settings);
    log.info(`ktn-chat listening on ${server.host}:${server.port} (connect with: bun client.ts 127.0.0.1 ${server.port})`);
  } catch (failure) {
    if (!(failure instanceof CommandLoadError) && !(failure as { code?: string }).code) throw failure;
    console.error(`Cannot start: ${(failure as Error).message}`);
    return 1;
  }
  return -1;
}

const exitCode = await main();
if (exitCode >= 0) process.exit(exitCode);
