// The listener: Bun.listen's socket events wired to sessions, connection limits, and graceful shutdown.
import type { Socket } from "bun";
import { Accounts } from "./accounts.ts";
import { Chat } from "./chat.ts";
import { DEFAULT_LIMITS, type Limits } from "./limits.ts";
import { log } from "./log.ts";
import { Moderation } from "./moderation.ts";
import { loadCommands, type CommandTable } from "./registry.ts";
import { error } from "../protocol/responses.ts";
import { Session, type ServerScope, type SessionSocket } from "./session.ts";
import { MemoryStore, type StateStore, type Store } from "./engine/store.ts";
import { startWeb, type WebOptions, type WebServer } from "./web.ts";
import { outgoing } from "./writer.ts";
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
  /** The web client's HTTP port (docs/protocol.md §14); none unless asked for. */
  web?: WebOptions;
  /** Be a node of this cluster: shared state in its Redis instead of `store`. */
  cluster?: ClusterSettings;
  /** Share the port with other processes (SO_REUSEPORT). */
  reusePort?: boolean;
}

export interface RunningServer {
  host: string;
  port: number;
  chat: Chat;
  /** The web client's port and address, or null when there is none. */
  web: Pick<WebServer, "port" | "url"> | null;
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

  /** Every transport's connections come in here, so the limits count TCP and WebSocket users alike. */
  function admit(socket: SessionSocket, address: string, peer: string): Session | null {
    const refused = refusal(address);
    if (refused) {
      log.warn(`${peer} refused: ${refused}`);
      socket.write(outgoing(error(refused)).bytes);
      socket.end();
      return null;
    }
    const session = new Session(scope, socket, address, peer);
    sessions.add(session);
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    log.info(`${peer} connected`);
    return session;
  }

  function release(session: Session | null): void {
    if (!session || !sessions.delete(session)) return;
    const left = (perAddress.get(session.address) ?? 1) - 1;
    if (left > 0) perAddress.set(session.address, left);
    else perAddress.delete(session.address);
    session.closed();
  }

  const host = options.host ?? "0.0.0.0";
  const listener = Bun.listen<Connection>({
    hostname: host,
    port: options.port ?? 9998,
    // Bun.listen honours reusePort (SO_REUSEPORT); bun-types 1.4.5 declares it on connect options only.
    ...(options.reusePort ? ({ reusePort: true } as object) : {}),
    ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
    socket: {
      open(socket) {
        const peer = `${socket.remoteAddress}:${(socket as Socket<Connection> & { remotePort?: number }).remotePort ?? "?"}`;
        socket.data = admit(socket, socket.remoteAddress, peer);
      },
      data: (socket, chunk) => socket.data?.receive(chunk),
      drain: (socket) => socket.data?.drain(),
      close: (socket) => release(socket.data),
      error: (socket, failure) => log.warn(`${socket.data?.peer ?? "?"} socket error: ${failure.message}`),
    },
  });

  let web: WebServer | null = null;
  try {
    if (options.web) web = startWeb(options.web, { host, tls: options.tls, limits, door: { admit, release } });
  } catch (failure) {
    listener.stop(true);
    throw failure;
  }

  async function shutdown(notice = "The server is shutting down. Goodbye."): Promise<void> {
    listener.stop(false);
    web?.stop(false);
    log.info(`shutting down: ${sessions.size} connection(s) to close`);
    scope.chat.close();
    for (const session of sessions) session.shutdown(notice);
    const deadline = Date.now() + limits.shutdownGraceMs;
    while (sessions.size > 0 && Date.now() < deadline) await Bun.sleep(20);
    listener.stop(true);
    web?.stop(true);
    await cluster?.stop();
    store.close();
  }

  return {
    host: listener.hostname,
    port: listener.port,
    chat: scope.chat,
    web: web && { port: web.port, url: web.url },
    shutdown,
    stop() {
      listener.stop(true);
      web?.stop(true);
      void cluster?.stop();
      store.close();
    },
  };
}
