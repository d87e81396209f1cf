// Test support for the web transport: WebSocket peers that keep every frame exactly as it came, a server with a moderator, raw HTTP.
import { afterEach } from "bun:test";
import { MemoryStore } from "../../ktn/server/engine/store.ts";
import type { ServerOptions } from "../../ktn/server/listener.ts";
import { logIn, type TestServer } from "../support/conformance.ts";
import { Inbox } from "../support/inbox.ts";

/** A WebSocket client through Bun's own WebSocket: every frame received, raw and parsed. */
export class WsPeer extends Inbox {
  /** Each text frame as it arrived. */
  readonly frames: string[] = [];
  closeCode: number | null = null;

  private constructor(private readonly ws: WebSocket) {
    super();
    ws.onmessage = (event) => {
      this.frames.push(String(event.data));
      this.arrived([JSON.parse(String(event.data))]);
    };
    ws.onclose = (event) => {
      this.closeCode = event.code;
      this.ended();
    };
  }

  /** Opens /ws on 127.0.0.1 with the server's own Origin unless another is given. */
  static async connect(port: number, options: { origin?: string; secure?: boolean } = {}): Promise<WsPeer> {
    const scheme = options.secure ? "wss" : "ws";
    const origin = options.origin ?? `${options.secure ? "https" : "http"}://127.0.0.1:${port}`;
    const ws = new WebSocket(`${scheme}://127.0.0.1:${port}/ws`, { headers: { origin }, ...(options.secure ? { tls: { rejectUnauthorized: false } } : {}) } as any);
    const peer = new WsPeer(ws);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("WebSocket did not open within 2000 ms")), 2000);
      ws.onopen = () => (clearTimeout(timer), resolve());
      ws.onerror = () => (clearTimeout(timer), reject(new Error("WebSocket failed to open")));
    });
    return peer;
  }

  /** Sends one text frame exactly as given (or a binary frame for bytes). */
  sendRaw(data: string | Uint8Array<ArrayBuffer>): void {
    this.ws.send(data);
  }

  /** Sends one request as one text frame. */
  send(request: unknown): void {
    this.sendRaw(JSON.stringify(request));
  }

  close(): void {
    this.ws.close();
  }
}

export interface WebSockets {
  readonly webPort: number;
  /** A WebSocket peer on the test server's web port, closed after the test. */
  ws(options?: { origin?: string }): Promise<WsPeer>;
  /** A WebSocket peer, logged in, its welcome and history consumed. */
  wsLoggedIn(username: string): Promise<WsPeer>;
}

/** WebSocket peers for a `useServer` server started with a web port. */
export function useWebSockets(chat: TestServer): WebSockets {
  let peers: WsPeer[] = [];
  afterEach(() => {
    for (const peer of peers) peer.close();
    peers = [];
  });
  const sockets: WebSockets = {
    get webPort() {
      return chat.server.web!.port;
    },
    async ws(options) {
      const peer = await WsPeer.connect(sockets.webPort, options);
      peers.push(peer);
      return peer;
    },
    async wsLoggedIn(username) {
      return logIn(await sockets.ws(), username);
    },
  };
  return sockets;
}

export const MODERATOR_PASSWORD = "moderator password";
const moderatorHash = Bun.password.hash(MODERATOR_PASSWORD);

/** A fresh server with a web port, where `mod` is registered before start (as --op requires) and a moderator. */
export async function withModerator(): Promise<ServerOptions> {
  const store = new MemoryStore(1000);
  store.saveAccount("mod", await moderatorHash);
  return { store, ops: ["mod"], limits: { failedLoginDelayMs: 0 }, web: { port: 0 } };
}

/** An HTTP/1.1 request written by hand, so the path reaches the server exactly as given (no URL clean-up). */
export async function rawHttp(port: number, head: string): Promise<{ status: number; text: string }> {
  let text = "";
  const { promise: done, resolve } = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, chunk) => void (text += Buffer.from(chunk).toString("utf8")),
      close: () => resolve(),
      error: () => resolve(),
    },
  });
  socket.write(head.replaceAll("\n", "\r\n") + "\r\n\r\n");
  await Promise.race([done, Bun.sleep(1000)]);
  socket.end();
  return { status: Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0), text };
}
