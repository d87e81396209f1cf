// Test support for the web transport: a server with its web port, and WebSocket peers that keep every frame exactly as it came.
import { afterEach, beforeEach, expect } from "bun:test";
import type { RunningServer, ServerOptions } from "../../ktn/server/listener.ts";
import { expectResponse, welcome } from "../support/conformance.ts";
import { RawPeer, startTestServer } from "../support/wire.ts";

/** A WebSocket client through Bun's own WebSocket: every frame received, raw and parsed. */
export class WsPeer {
  /** Each text frame as it arrived. */
  readonly frames: string[] = [];
  closed = false;
  closeCode: number | null = null;
  private readonly responses: any[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.onmessage = (event) => {
      this.frames.push(String(event.data));
      this.responses.push(JSON.parse(String(event.data)));
      this.wake();
    };
    ws.onclose = (event) => {
      this.closed = true;
      this.closeCode = event.code;
      this.wake();
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
  sendRaw(data: string | Uint8Array): void {
    this.ws.send(data);
  }

  /** Sends one request as one text frame. */
  send(request: unknown): void {
    this.sendRaw(JSON.stringify(request));
  }

  async next(timeoutMs = 2000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length === 0) {
      if (this.closed) throw new Error("connection closed while waiting for a response");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await this.wait(left);
    }
    return this.responses.shift();
  }

  async take(count: number, timeoutMs = 2000): Promise<any[]> {
    const taken = [];
    for (let i = 0; i < count; i++) taken.push(await this.next(timeoutMs));
    return taken;
  }

  /** Resolves true if nothing more arrives within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.frames.length;
    await Bun.sleep(ms);
    return this.frames.length === before && this.responses.length === 0;
  }

  async waitClosed(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connection still open after ${timeoutMs} ms`);
      await this.wait(left);
    }
  }

  async login(username: string): Promise<any[]> {
    this.send({ request: "login", content: username });
    return this.take(2);
  }

  close(): void {
    this.ws.close();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.min(ms, 100));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export interface WebTestServer {
  readonly server: RunningServer;
  /** The TCP port. */
  readonly port: number;
  readonly webPort: number;
  ws(options?: { origin?: string }): Promise<WsPeer>;
  tcp(): Promise<RawPeer>;
  /** A WebSocket peer, logged in, its welcome and history consumed. */
  wsLoggedIn(username: string): Promise<WsPeer>;
  /** A line-framed TCP peer, logged in, its welcome and history consumed. */
  tcpLoggedIn(username: string): Promise<RawPeer>;
}

/** A fresh server with a web port for every test of the file; every peer is closed after the test. */
export function useWebServer(options: ServerOptions | (() => Promise<ServerOptions>) = {}): WebTestServer {
  let server: RunningServer | null = null;
  let closers: (() => void)[] = [];
  beforeEach(async () => {
    server = await startTestServer({ web: { port: 0 }, ...(typeof options === "function" ? await options() : options) });
  });
  afterEach(() => {
    for (const close of closers) close();
    closers = [];
    server?.stop();
    server = null;
  });
  const handle: WebTestServer = {
    get server() {
      if (!server) throw new Error("no server: useWebServer() hooks have not run");
      return server;
    },
    get port() {
      return handle.server.port;
    },
    get webPort() {
      return handle.server.web!.port;
    },
    async ws(wsOptions) {
      const peer = await WsPeer.connect(handle.webPort, wsOptions);
      closers.push(() => peer.close());
      return peer;
    },
    async tcp() {
      const peer = await RawPeer.connect(handle.port);
      closers.push(() => peer.closed || peer.abort());
      return peer;
    },
    async wsLoggedIn(username) {
      const peer = await handle.ws();
      const [hello, past] = await peer.login(username);
      expectResponse(hello, welcome(username));
      expect(past.response).toBe("history");
      return peer;
    },
    async tcpLoggedIn(username) {
      const peer = await handle.tcp();
      const [hello, past] = await peer.login(username);
      expectResponse(hello, welcome(username));
      expect(past.response).toBe("history");
      return peer;
    },
  };
  return handle;
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
