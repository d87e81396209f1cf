// The web transport: Bun.serve with the chat page at /, a WebSocket session at /ws, and 404 for every other path (docs/protocol.md §14).
import type { Server } from "bun";
import page from "../web/index.html";
import type { Limits } from "./limits.ts";
import { log } from "./log.ts";
import type { Session, SessionSocket } from "./session.ts";
import { WebSocketPeer, type WebConnection } from "./websocket.ts";

export interface WebOptions {
  /** 0 picks a free port. */
  port: number;
  /** The default port: when it is taken the server warns and runs without the web client. */
  optional?: boolean;
}

/** How a transport hands its connections to the listener, which counts them and makes their sessions. */
export interface Door {
  /** A session, or null when the connection was refused (an `error`, then a close). */
  admit(socket: SessionSocket, address: string, peer: string): Session | null;
  release(session: Session | null): void;
}

export interface WebServer {
  port: number;
  /** The page's address, for people: `http://127.0.0.1:8080/`. */
  url: string;
  /** Stops accepting; with `closeAll`, also closes every open connection. */
  stop(closeAll: boolean): void;
}

export interface WebSetup {
  host: string;
  tls?: { cert: string; key: string };
  limits: Limits;
  door: Door;
}

/** Bun reads a frame whole before the session sees it: frames up to this many times --max-frame get the error, larger ones a 1009 close. */
const PAYLOAD_CEILING_FACTOR = 16;

const text = (body: string, status: number, headers: Record<string, string> = {}) =>
  new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });

/** Starts the web port; null when the default port is taken (a warning says so). */
export function startWeb(options: WebOptions, setup: WebSetup): WebServer | null {
  let server: Server<WebConnection>;
  try {
    server = serve(options.port, setup);
  } catch (failure) {
    if (!options.optional || (failure as { code?: string }).code !== "EADDRINUSE") throw failure;
    log.warn(`web client off: port ${options.port} is in use (choose another with --http-port N, or --http-port off)`);
    return null;
  }
  const scheme = setup.tls ? "https" : "http";
  return {
    port: server.port!,
    url: `${scheme}://${displayHost(setup.host)}:${server.port}/`,
    stop: (closeAll) => void server.stop(closeAll),
  };
}

function serve(port: number, { host, tls, limits, door }: WebSetup): Server<WebConnection> {
  return Bun.serve<WebConnection>({
    hostname: host,
    port,
    development: false,
    // Bun turns SO_REUSEPORT on for production servers: then a second server would share a port in use instead of failing.
    reusePort: false,
    ...(tls ? { tls } : {}),
    routes: {
      "/": page,
      "/ws": (req: Request, server: Server<WebConnection>) => {
        // The page's own origin is the only one allowed, so no other site's page can chat as its visitor.
        if (req.headers.get("origin") !== new URL(req.url).origin) return text("Forbidden: this WebSocket is for pages this server served.", 403);
        const ip = server.requestIP(req);
        const address = ip?.address ?? "unknown";
        const data: WebConnection = { address, peer: `${address}:${ip?.port ?? "?"} (web)`, session: null };
        if (server.upgrade(req, { data })) return undefined;
        return text("Upgrade Required: /ws is a WebSocket.", 426, { upgrade: "websocket" });
      },
    },
    fetch: () => text("Not Found", 404),
    error(failure) {
      log.error(`web request failed: ${failure.stack ?? failure}`);
      return text("Internal Server Error", 500);
    },
    websocket: {
      maxPayloadLength: limits.maxFrameBytes * PAYLOAD_CEILING_FACTOR,
      backpressureLimit: limits.maxQueueBytes,
      closeOnBackpressureLimit: true,
      open(ws) {
        ws.data.session = door.admit(new WebSocketPeer(ws, limits.maxQueueBytes), ws.data.address, ws.data.peer);
      },
      message: (ws, data) => ws.data.session?.receiveMessage(data),
      close: (ws) => door.release(ws.data.session),
    },
  });
}

/** A wildcard address is not one a browser can open: show the loopback address instead. */
function displayHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
