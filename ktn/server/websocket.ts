// A WebSocket as a session's socket: each response is one text frame holding the JSON a TCP peer gets (docs/protocol.md §14).
import type { ServerWebSocket } from "bun";
import { log } from "./log.ts";
import type { Session, SessionSocket } from "./session.ts";

/** What the web transport keeps per WebSocket, from the upgrade on. */
export interface WebConnection {
  address: string;
  peer: string;
  session: Session | null;
}

const NEWLINE = 0x0a;
const utf8 = new TextDecoder();

// A broadcast hands every recipient the very same bytes, so they are decoded once per broadcast.
let lastBytes: Uint8Array | null = null;
let lastText = "";

/** The JSON of one encoded response, without the newline that only a byte stream needs. */
function frameText(bytes: Uint8Array): string {
  if (bytes !== lastBytes) {
    lastBytes = bytes;
    lastText = utf8.decode(bytes[bytes.length - 1] === NEWLINE ? bytes.subarray(0, -1) : bytes);
  }
  return lastText;
}

export class WebSocketPeer implements SessionSocket {
  readonly messages = true;

  constructor(
    private readonly ws: ServerWebSocket<WebConnection>,
    /** Bun's backpressureLimit, the server's --max-queue: past it Bun drops the connection. */
    private readonly maxQueueBytes: number,
  ) {}

  /**
   * Bun queues what the peer has not read yet (the writer never holds a tail for it); a send it refuses
   * is the backpressure limit: Bun closes the connection, and the close ends the session.
   */
  write(bytes: Uint8Array): number {
    if (this.ws.sendText(frameText(bytes)) !== 0) return bytes.length;
    log.warn(`${this.ws.data.peer} dropped: more than ${this.maxQueueBytes} bytes unread`);
    return -1;
  }

  end(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }

  // A WebSocket keeps delivering frames while flood control holds a session: the intake bounds what waits.
  pause(): void {}
  resume(): void {}
}
