// The listener: Bun.listen's socket events wired to sessions. Nothing else touches server sockets.
import type { Socket } from "bun";
import { Chat } from "./chat.ts";
import { DEFAULT_LIMITS, type Limits } from "./limits.ts";
import { log } from "./log.ts";
import { loadCommands, type CommandTable } from "./registry.ts";
import { Session, type ServerScope } from "./session.ts";
import { MemoryStore, type Store } from "./store.ts";

export interface ServerOptions {
  host?: string;
  port?: number;
  limits?: Partial<Limits>;
  commands?: CommandTable;
  store?: Store;
}

export interface RunningServer {
  host: string;
  port: number;
  chat: Chat;
  stop(): void;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const scope: ServerScope = {
    limits,
    commands: options.commands ?? (await loadCommands(limits)),
    chat: new Chat(options.store ?? new MemoryStore(limits.historyMessages), limits.historyMessages),
  };
  const listener = Bun.listen<Session>({
    hostname: options.host ?? "0.0.0.0",
    port: options.port ?? 9998,
    socket: {
      open(socket) {
        const peer = `${socket.remoteAddress}:${(socket as Socket<Session> & { remotePort?: number }).remotePort ?? "?"}`;
        socket.data = new Session(scope, socket, peer);
        log.info(`${peer} connected`);
      },
      data: (socket, chunk) => socket.data.receive(chunk),
      drain: (socket) => socket.data.drain(),
      close: (socket) => socket.data?.closed(),
      error: (socket, failure) => log.warn(`${socket.data?.peer ?? "?"} socket error: ${failure.message}`),
    },
  });
  return { host: listener.hostname, port: listener.port, chat: scope.chat, stop: () => listener.stop(true) };
}
