// The listener: Bun.listen's socket events wired to sessions, connection limits, and graceful shutdown.
import type { Socket } from "bun";
import { Accounts } from "./accounts.ts";
import { Chat } from "./chat.ts";
import { DEFAULT_LIMITS, type Limits } from "./limits.ts";
import { log } from "./log.ts";
import { Moderation } from "./moderation.ts";
import { loadCommands, type CommandTable } from "./registry.ts";
import { error, encode } from "../protocol/responses.ts";
import { Session, type ServerScope } from "./session.ts";
import { MemoryStore, type StateStore, type Store } from "./engine/store.ts";
import { ClusterChat } from "./cluster-chat.ts";
import type { ClusterSettings } from "./options.ts";

export interface ServerOptions {
  host?: string;
  port?: number;
  limits?: Partial<Limits>;
  commands?: CommandTable;
  store?: Store;
  /** Registered names that are moderators for as long as this process runs. */
  ops?: readonly string[];
  /** PEM certificate and key: the server then speaks TLS only. */
  tls?: { cert: string; key: string };
  /** Be a node of this cluster: shared state in its Redis instead of `store`. */
  cluster?: ClusterSettings;
  /** Share the port with other processes (SO_REUSEPORT). */
  reusePort?: boolean;
}

export interface RunningServer {
  host: string;
  port: number;
  chat: Chat;
  /** Stops accepting, tells every client, flushes within the grace period, then closes everything. */
  shutdown(notice?: string): Promise<void>;
  /** Closes everything at once (tests). */
  stop(): void;
}

/** Session state, or null for a connection refused at the door. */
type Connection = Session | null;

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const cluster = options.cluster ? await ClusterChat.join(options.cluster, limits.historyMessages) : null;
  const store: StateStore = options.store ?? new MemoryStore(limits.historyMessages);
  const chat = cluster ?? new Chat(store, limits.historyMessages);
  const accounts = new Accounts(cluster?.store ?? store, limits);
  const scope: ServerScope = {
    limits,
    commands: options.commands ?? (await loadCommands(limits)),
    chat,
    accounts,
    moderation: new Moderation(chat, cluster?.store ?? store, accounts, options.ops ?? []),
  };
  await scope.moderation.load();
  if (cluster) cluster.onModeratorsChanged = () => void scope.moderation.reload().catch(() => {});
  const sessions = new Set<Session>();
  const perAddress = new Map<string, number>();

  /** Refuses a connection over a limit with an `error` and a close, before it gets a session. */
  function refusal(address: string): string | null {
    if (sessions.size >= limits.maxConnections) return `The server is full (${limits.maxConnections} connections). Try again later.`;
    const exempt = limits.loopbackExempt === 1 && LOOPBACK.test(address);
    if (!exempt && (perAddress.get(address) ?? 0) >= limits.maxPerAddress) return `Too many connections from ${address} (at most ${limits.maxPerAddress}).`;
    return null;
  }

  const listener = Bun.listen<Connection>({
    hostname: options.host ?? "0.0.0.0",
    port: options.port ?? 9998,
    // Bun.listen honours reusePort (SO_REUSEPORT); bun-types 1.4.5 declares it on connect options only.
    ...(options.reusePort ? ({ reusePort: true } as object) : {}),
    ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
    socket: {
      open(socket) {
        const address = socket.remoteAddress;
        const peer = `${address}:${(socket as Socket<Connection> & { remotePort?: number }).remotePort ?? "?"}`;
        const refused = refusal(address);
        if (refused) {
          log.warn(`${peer} refused: ${refused}`);
          socket.data = null;
          socket.write(encode(error(refused)));
          socket.end();
          return;
        }
        const session = new Session(scope, socket, address, peer);
        socket.data = session;
        sessions.add(session);
        perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
        log.info(`${peer} connected`);
      },
      data: (socket, chunk) => socket.data?.receive(chunk),
      drain: (socket) => socket.data?.drain(),
      close(socket) {
        const session = socket.data;
        if (!session || !sessions.delete(session)) return;
        const left = (perAddress.get(socket.remoteAddress) ?? 1) - 1;
        if (left > 0) perAddress.set(socket.remoteAddress, left);
        else perAddress.delete(socket.remoteAddress);
        session.closed();
      },
      error: (socket, failure) => log.warn(`${socket.data?.peer ?? "?"} socket error: ${failure.message}`),
    },
  });

  async function shutdown(notice = "The server is shutting down. Goodbye."): Promise<void> {
    listener.stop(false);
    log.info(`shutting down: ${sessions.size} connection(s) to close`);
    scope.chat.close();
    for (const session of sessions) session.shutdown(notice);
    const deadline = Date.now() + limits.shutdownGraceMs;
    while (sessions.size > 0 && Date.now() < deadline) await Bun.sleep(20);
    listener.stop(true);
    await cluster?.stop();
    store.close();
  }

  return {
    host: listener.hostname,
    port: listener.port,
    chat: scope.chat,
    shutdown,
    stop() {
      listener.stop(true);
      void cluster?.stop();
      store.close();
    },
  };
}
