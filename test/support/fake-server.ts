// Test support: a scriptable fake KTN server that behaves like the strangers' servers of docs/protocol.md §4.
//
// `startFakeServer(behaviour)` listens on 127.0.0.1, port 0, decodes whatever the client sends and
// hands each request to `behaviour`, which answers through the connection: `respond(...)` puts all its
// responses into ONE write with no delimiter (as `json.dumps` + `send` servers do), `write` sends raw
// text, `close` ends the connection. `peerServer(options)` is a ready behaviour modelled on the course
// servers we studied, with one option per quirk.
import type { Socket, TCPSocketListener } from "bun";
import { JsonStreamDecoder } from "../../ktn/protocol/framing.ts";

export interface FakeConnection {
  /** Every request this connection sent, decoded, in order (malformed ones as `{ malformed: reason }`). */
  readonly requests: any[];
  /** The name this connection logged in with, as far as the behaviour recorded it. */
  username: string | null;
  readonly closed: boolean;
  /** Raw text, exactly as given. */
  write(text: string): void;
  /** All the responses in a single write, back to back with no delimiter. */
  respond(...responses: unknown[]): void;
  /** Closes gracefully (FIN). */
  close(): void;
}

export type Behaviour = (request: any, connection: FakeConnection, server: FakeServer) => void;

export interface FakeServer {
  readonly port: number;
  readonly connections: FakeConnection[];
  /** Every request from every connection, in arrival order. */
  readonly requests: any[];
  /** Sends to every open connection (e.g. a message from someone else), in one write each. */
  broadcast(...responses: unknown[]): void;
  /** Resolves when `check()` holds; fails after `timeoutMs`. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  stop(): void;
}

class Connection implements FakeConnection {
  readonly requests: any[] = [];
  username: string | null = null;
  closed = false;
  readonly decoder = new JsonStreamDecoder(1024 * 1024);
  /** Bytes the kernel has not taken yet: Bun's socket.write keeps nothing, so we do. */
  private pending: Buffer = Buffer.alloc(0);
  private closing = false;

  constructor(private readonly socket: Socket<Connection>) {}

  write(text: string): void {
    if (this.closed || this.closing) return;
    this.pending = Buffer.concat([this.pending, Buffer.from(text)]);
    this.flush();
  }

  respond(...responses: unknown[]): void {
    this.write(responses.map((response) => JSON.stringify(response)).join(""));
  }

  /** Closes gracefully (FIN), after everything written so far has gone out. */
  close(): void {
    this.closing = true;
    this.flush();
  }

  flush(): void {
    if (this.closed) return;
    if (this.pending.length > 0) {
      const taken = this.socket.write(this.pending);
      this.pending = taken > 0 ? this.pending.subarray(taken) : taken < 0 ? Buffer.alloc(0) : this.pending;
    }
    if (this.closing && this.pending.length === 0) {
      this.closed = true;
      this.socket.end();
    }
  }
}

export async function startFakeServer(behaviour: Behaviour): Promise<FakeServer> {
  const connections: Connection[] = [];
  const requests: any[] = [];
  let listener: TCPSocketListener<Connection>;
  const server: FakeServer = {
    get port() {
      return listener.port;
    },
    connections,
    requests,
    broadcast(...responses) {
      for (const connection of connections) if (!connection.closed) connection.respond(...responses);
    },
    async until(check, what, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`fake server: timed out after ${timeoutMs} ms waiting for ${what}`);
        await Bun.sleep(10);
      }
    },
    stop() {
      listener.stop(true);
    },
  };
  listener = Bun.listen<Connection>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = new Connection(socket);
        connections.push(socket.data);
      },
      data(socket, chunk) {
        const connection = socket.data;
        for (const frame of connection.decoder.push(chunk)) {
          const request = frame.kind === "value" ? frame.value : { malformed: frame.reason };
          connection.requests.push(request);
          requests.push(request);
          behaviour(request, connection, server);
        }
      },
      drain(socket) {
        socket.data.flush();
      },
      close(socket) {
        socket.data.closed = true;
      },
      error(socket) {
        socket.data.closed = true;
      },
    },
  });
  return server;
}

/** One earlier chat message the fake server replays as history. */
export interface PastMessage {
  sender: string;
  content: string;
  timestamp?: unknown;
}

export interface PeerOptions {
  /** What the first connection that logs in gets as history (default: a list of JSON strings). */
  history?: "strings" | "objects" | "empty" | "absent" | "plain-run";
  /** The messages in that history. */
  past?: PastMessage[];
  /** "answer" (info, then history) or "silent" (login accepted without a word). */
  login?: "answer" | "silent";
  /** "reply-close" (info, then close), "reply-open" (info, socket stays open) or "close" (no reply). */
  logout?: "reply-close" | "reply-open" | "close";
  /** Whether the responses to one request share one write (default true: the usual `send` loop). */
  coalesce?: boolean;
  /** The timestamp every response carries (default a string like Python's `str(datetime.now())`). */
  timestamp?: unknown;
  /** The sender of the server's own responses (default "server"). */
  serverSender?: unknown;
  /** The `response` value used for each kind, to imitate servers that name them differently. */
  responseNames?: Partial<Record<"info" | "error" | "message" | "history" | "names", string>>;
  /** How `names` is answered: an info sentence (default) or a list of names. */
  names?: "sentence" | "list";
}

export const PEER_TIMESTAMP = "2026-11-24 15:08:04.123456";

/** A behaviour modelled on the course servers we studied; each option is one of their quirks. */
export function peerServer(options: PeerOptions = {}): Behaviour {
  const kinds = { info: "info", error: "error", message: "message", history: "history", names: "info", ...options.responseNames };
  const timestamp = options.timestamp ?? PEER_TIMESTAMP;
  const sender = options.serverSender ?? "server";
  const past = options.past ?? [];
  const make = (kind: keyof typeof kinds, content: unknown, from: unknown = sender) => ({
    timestamp,
    sender: from,
    response: kinds[kind],
    content,
  });
  const send = (connection: FakeConnection, responses: unknown[]) => {
    if (options.coalesce === false) for (const response of responses) connection.write(JSON.stringify(response) + "\n");
    else connection.respond(...responses);
  };

  return (request, connection, server) => {
    const content = request?.content;
    switch (request?.request) {
      case "login": {
        connection.username = String(content);
        if (options.login === "silent") return;
        const responses: unknown[] = [make("info", `Login successful, welcome ${content}`)];
        const pastMessage = (m: PastMessage) => make("message", m.content, m.sender);
        switch (options.history ?? "strings") {
          case "strings":
            responses.push(make("history", past.map((m) => JSON.stringify({ ...pastMessage(m), timestamp: m.timestamp ?? timestamp }))));
            break;
          case "objects":
            responses.push(make("history", past.map((m) => ({ ...pastMessage(m), timestamp: m.timestamp ?? timestamp }))));
            break;
          case "empty":
            responses.push(make("history", []));
            break;
          case "plain-run":
            for (const m of past) responses.push(make("history", `${m.sender}: ${m.content}`));
            break;
          case "absent":
            break;
        }
        return send(connection, responses);
      }
      case "msg":
        for (const other of server.connections) {
          if (other.username !== null && !other.closed) send(other, [make("message", content, connection.username ?? "")]);
        }
        return;
      case "names": {
        const names = server.connections.filter((c) => c.username !== null && !c.closed).map((c) => c.username!);
        return send(connection, [make("names", options.names === "list" ? names : `Users: ${names.join(", ")}`)]);
      }
      case "help":
        return send(connection, [make("info", "login <name>, logout, msg <text>, names, help")]);
      case "logout": {
        const logout = options.logout ?? "reply-close";
        if (logout !== "close") send(connection, [make("info", "Bye")]);
        connection.username = null;
        if (logout !== "reply-open") connection.close();
        return;
      }
      default:
        return send(connection, [make("error", `Unknown request ${JSON.stringify(request?.request)}`)]);
    }
  };
}
