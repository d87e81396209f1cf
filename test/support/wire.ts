// Test support: the real server on port 0 and raw TCP peers that record exactly what crossed the wire.
import { expect } from "bun:test";
import type { Socket } from "bun";
import { startServer, type RunningServer, type ServerOptions } from "../../ktn/server/listener.ts";
import { setLogLevel } from "../../ktn/server/log.ts";
import { Inbox } from "./inbox.ts";

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
export class RawPeer extends Inbox {
  readonly reads: Read[] = [];
  private socket!: Socket;
  private text = "";

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
        close: () => peer.ended(),
        error: () => peer.ended(),
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
    const responses = [];
    let newline;
    while ((newline = this.text.indexOf("\n")) >= 0) {
      responses.push(JSON.parse(this.text.slice(0, newline)));
      this.text = this.text.slice(newline + 1);
    }
    this.arrived(responses);
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
