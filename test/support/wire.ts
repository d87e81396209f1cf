// Test support: the real server on port 0 and raw TCP peers that record exactly what crossed the wire.
import { expect } from "bun:test";
import type { Socket } from "bun";
import { startServer, type RunningServer, type ServerOptions } from "../../ktn/server/listener.ts";
import { setLogLevel } from "../../ktn/server/log.ts";

setLogLevel("silent");

/** Starts the real server on 127.0.0.1, on a free port. */
export function startTestServer(options: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ host: "127.0.0.1", port: 0, ...options });
}

/** One chunk as it came out of the socket, with when it arrived. */
export interface Read {
  bytes: Buffer;
  at: number;
}

/**
 * A peer that speaks raw bytes. It keeps every read apart (to check what shared a read) and parses
 * responses from the concatenation, one JSON object per line, as our server writes them.
 */
export class RawPeer {
  readonly reads: Read[] = [];
  closed = false;
  private socket!: Socket;
  private text = "";
  private readonly responses: any[] = [];
  private waiters: (() => void)[] = [];

  /** Connects to 127.0.0.1; with `tls`, over TLS that accepts the self-signed test certificate. */
  static async connect(port: number, options: { tls?: boolean } = {}): Promise<RawPeer> {
    const peer = new RawPeer();
    // Writes before the TLS handshake ends are lost, so a TLS peer is ready only after it.
    const { promise: handshake, resolve } = Promise.withResolvers<void>();
    peer.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      ...(options.tls ? { tls: { rejectUnauthorized: false } } : {}),
      socket: {
        data: (_s, chunk) => peer.onData(Buffer.from(chunk)),
        handshake: () => resolve(),
        close: () => peer.onClose(),
        error: () => peer.onClose(),
      },
    });
    if (options.tls) await Promise.race([handshake, Bun.sleep(2000)]);
    return peer;
  }

  /** Sends a string or bytes exactly as given. */
  sendRaw(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Sends a request as a newline-terminated line, as our own client does. */
  send(request: unknown): void {
    this.sendRaw(JSON.stringify(request) + "\n");
  }

  /** Sends a request as bare JSON with no delimiter, as course clients do. */
  sendBare(request: unknown): void {
    this.sendRaw(JSON.stringify(request));
  }

  /** The next response not yet taken; fails after `timeoutMs`. */
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

  /** The next `count` responses. */
  async take(count: number, timeoutMs = 2000): Promise<any[]> {
    const taken = [];
    for (let i = 0; i < count; i++) taken.push(await this.next(timeoutMs));
    return taken;
  }

  /** Resolves true if nothing more arrives within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.reads.length;
    await Bun.sleep(ms);
    return this.reads.length === before && this.responses.length === 0;
  }

  /** Takes every response that arrives until the peer has been quiet for a moment (notices a test does not check). */
  async drain(): Promise<void> {
    for (let i = 0; i < 50 && !(await this.silentFor(30)); i++) await this.take(1);
  }

  /** Waits until the server closes the connection; fails after `timeoutMs`. */
  async waitClosed(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connection still open after ${timeoutMs} ms`);
      await this.wait(left);
    }
  }

  /** Logs in and consumes the info and history that answer it. */
  async login(username: string): Promise<any[]> {
    this.send({ request: "login", content: username });
    return this.take(2);
  }

  close(): void {
    this.socket.end();
  }

  /** Stops reading from the socket, like a client that hangs: the server's writes pile up. */
  stopReading(): void {
    this.socket.pause();
  }

  /** Drops the connection abruptly (a reset, no FIN), as a crashed or killed client does. */
  abort(): void {
    this.socket.terminate();
  }

  private onData(bytes: Buffer): void {
    this.reads.push({ bytes, at: performance.now() });
    this.text += bytes.toString("utf8");
    let newline;
    while ((newline = this.text.indexOf("\n")) >= 0) {
      this.responses.push(JSON.parse(this.text.slice(0, newline)));
      this.text = this.text.slice(newline + 1);
    }
    this.wake();
  }

  private onClose(): void {
    this.closed = true;
    this.wake();
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

/**
 * Drops what varies from run to run, the timestamp and a message's id (checked on their own), so a
 * test can compare the rest of a response exactly.
 */
export function comparable(response: any): any {
  const { timestamp, id, ...rest } = response;
  // A private message is never stored, so it has no id to delete by.
  if (response.response === "message" && response.to === undefined) expect(Number.isInteger(id) && id > 0).toBe(true);
  else expect(id).toBeUndefined();
  return rest;
}

export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
