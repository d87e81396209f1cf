// ktn-chat server: `bun server.ts [--host H] [--port P] [limits…]`; `--help` lists every flag.
import { startServer } from "./ktn/server/listener.ts";
import { log, setLogLevel } from "./ktn/server/log.ts";
import { parseServerArgs, serverUsage, UsageError } from "./ktn/server/options.ts";
import { CommandLoadError } from "./ktn/server/registry.ts";
import { openStore, StoreOpenError } from "./ktn/server/engine/sqlite-store.ts";
import { RedisConnectError } from "./ktn/server/engine/redis-link.ts";

async function main(): Promise<number | null> {
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
  let server;
  try {
    server = await startServer({ ...settings, store: settings.cluster ? undefined : openStore(settings.db, settings.limits.historyMessages) });
  } catch (failure) {
    const known = failure instanceof CommandLoadError || failure instanceof StoreOpenError || failure instanceof RedisConnectError || (failure as { code?: string }).code;
    if (!known) throw failure;
    console.error(`Cannot start: ${(failure as Error).message}`);
    return 1;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received`);
    void server.shutdown().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // Only now say where we listen: whoever starts us may send SIGTERM the moment it reads that line.
  log.always(`ktn-chat listening on ${server.host}:${server.port} (connect with: bun client.ts 127.0.0.1 ${server.port})`);
  if (server.web) log.always(`web client at ${server.web.url}`);
  if (settings.cluster) log.always(`node of cluster '${settings.cluster.name}': history, rooms, accounts and presence are kept in Redis at ${settings.cluster.redisUrl}`);
  else log.always(settings.db === ":memory:" ? "history is kept in memory only" : `history is kept in ${settings.db}`);
  return null;
}

const exitCode = await main();
if (exitCode !== null) process.exit(exitCode);
