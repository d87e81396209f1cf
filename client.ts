// ktn-chat terminal client: `bun client.ts [host] [port]`. Works against any KTN server, ours or not.
import type { Socket } from "bun";
import pc from "picocolors";
import { parseClientArgs, type ClientSettings } from "./ktn/client/options.ts";
import { JsonStreamDecoder } from "./ktn/protocol/framing.ts";
import { parseInput } from "./ktn/client/input.ts";
import { encodeRequest } from "./ktn/protocol/requests.ts";
import { END_OF_HISTORY, renderResponse, senderName } from "./ktn/client/render.ts";
import { allWritten, openTerminal, write, type Terminal } from "./ktn/client/terminal.ts";

/** A history can be long; the client still refuses to buffer without end. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** After the input ends, wait for the last request's answer and this long with no traffic, so late responses are shown. */
const SETTLE_MS = 250;
const MAX_SETTLE_MS = 2000;
/** How long to wait for the server to close after a logout before closing ourselves. */
const LOGOUT_GRACE_MS = 1000;
/** A host that never answers (a firewall dropping packets) gets this long. */
const CONNECT_TIMEOUT_MS = 10_000;
/** The course's requests and our server's; any other word still goes to the server as typed. */
const REQUEST_WORDS = ["login", "logout", "msg", "names", "help", "join", "leave", "rooms", "whisper", "register", "kick", "ban", "unban", "delete", "op", "deop"];

class ChatClient {
  private socket: Socket | null = null;
  private readonly decoder = new JsonStreamDecoder(MAX_RESPONSE_BYTES);
  private terminal: Terminal | null = null;
  /** Responses that arrived before the terminal was open, shown as soon as it is. */
  private early: unknown[] = [];
  private readonly colors;
  private readonly seenNames = new Set<string>();
  private self: string | null = null;
  /** The room our server last said we are in (its added `room` key); null for servers without rooms. */
  private room: string | null = null;
  /** The name of a login sent but not yet answered; a server may never answer it (docs/protocol.md §4). */
  private pendingLogin: string | null = null;
  private loggedIn = false;
  private logoutSent = false;
  private leaving = false;
  /** Some servers send history as a run of plain-text `history` responses; close it with a separator. */
  private historyRunOpen = false;
  /** When the last request went out and the last response came in (0: never), to know when to stop waiting. */
  private lastRequestAt = 0;
  private lastResponseAt = 0;
  private outbox: Uint8Array[] = [];
  private exiting = false;

  constructor(private readonly settings: ClientSettings) {
    this.colors = pc.createColors(settings.color);
  }

  private get address(): string {
    return `${this.settings.host}:${this.settings.port}`;
  }

  /** Connects first, then reads input, so no line is typed into a connection that does not exist. */
  async start(): Promise<void> {
    if (!(await this.connect())) return;
    this.terminal = openTerminal({
      line: (text) => this.onLine(text),
      end: () => void this.leave(),
      completions: () => ({ requests: REQUEST_WORDS, names: [...this.seenNames] }),
    });
    const early = this.early;
    this.early = [];
    for (const value of early) this.show(value);
  }

  private async connect(): Promise<boolean> {
    // Writes before a TLS handshake ends are lost, so a TLS connection counts as open only after it.
    const handshake = Promise.withResolvers<Error | null>();
    const connecting = Bun.connect({
      hostname: this.settings.host,
      port: this.settings.port,
      ...(this.settings.tls ? { tls: { rejectUnauthorized: !this.settings.insecure } } : {}),
      socket: {
        // Bun reports an untrusted certificate as a failed handshake even when told to accept it.
        handshake: (_socket, success, failure) => handshake.resolve(success || this.settings.insecure ? null : failure),
        data: (_socket, chunk) => this.onData(chunk),
        drain: () => this.flush(),
        close: () => this.onClose(),
        error: (_socket, failure) => this.fail(`Connection to ${this.address} failed: ${failure.message}`),
      },
    });
    try {
      const socket = await Promise.race([connecting, Bun.sleep(CONNECT_TIMEOUT_MS).then(() => null)]);
      if (!socket) throw Object.assign(new Error("timed out"), { code: "ETIMEDOUT" });
      const refused = this.settings.tls ? await Promise.race([handshake.promise, Bun.sleep(CONNECT_TIMEOUT_MS).then(() => new Error("no TLS handshake"))]) : null;
      if (refused) {
        socket.terminate();
        throw new Error(`TLS failed: ${refused.message}${this.settings.insecure ? "" : " (for a self-signed certificate add --insecure)"}`);
      }
      this.socket = socket;
      return true;
    } catch (failure) {
      this.fail(`Cannot connect to ${this.address}: ${describe(failure)}.`);
      return false;
    }
  }

  private onLine(text: string): void {
    const request = parseInput(text);
    if (!request || !this.socket) return;
    if (request.request === "login") this.pendingLogin = request.content;
    this.send(encodeRequest(request));
    // Logging out means leaving: if the server keeps the connection open, we close it ourselves.
    if (request.request === "logout") {
      this.logoutSent = true;
      void this.leave();
    }
  }

  private send(line: string): void {
    this.lastRequestAt = Date.now();
    this.outbox.push(Buffer.from(line));
    this.flush();
  }

  private flush(): void {
    if (!this.socket || this.outbox.length === 0) return;
    const bytes = Buffer.concat(this.outbox);
    const taken = this.socket.write(bytes);
    this.outbox = taken >= 0 && taken < bytes.length ? [bytes.subarray(taken)] : [];
  }

  private onData(chunk: Uint8Array): void {
    if (this.exiting) return;
    this.lastResponseAt = Date.now();
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch {
      return this.fail(`${this.address} sent more than ${MAX_RESPONSE_BYTES} bytes without finishing a response.`);
    }
    for (const frame of frames) {
      if (frame.kind === "malformed") this.print([this.colors.dim(`(unreadable data from the server: ${frame.reason})`)]);
      else if (this.terminal) this.show(frame.value);
      else this.early.push(frame.value);
    }
  }

  private show(value: unknown): void {
    const fields = (typeof value === "object" && value ? value : {}) as { response?: unknown; sender?: unknown; content?: unknown };
    const kind = typeof fields.response === "string" ? fields.response.toLowerCase() : "";
    this.trackLogin(kind);
    this.trackRoom(value);
    this.learnNames(kind, fields);
    const lines = renderResponse(value, { colors: this.colors, self: this.self, width: this.terminal?.width });
    const plainHistory = kind === "history" && !Array.isArray(fields.content) && fields.content != null;
    if (this.historyRunOpen && !plainHistory) lines.unshift(this.colors.dim(END_OF_HISTORY));
    this.historyRunOpen = plainHistory;
    this.print(lines);
  }

  /**
   * The first answer to a login tells whether it worked: an error means no, anything else yes.
   * Servers differ in what they answer (info, history, both, or nothing), so nothing more is assumed.
   */
  private trackLogin(kind: string): void {
    if (this.pendingLogin === null) return;
    if (kind !== "error") {
      // A server may answer "alice secret" (name and password) as the name alice.
      this.self = this.pendingLogin.split(/\s+/)[0] ?? this.pendingLogin;
      this.loggedIn = true;
      this.updatePrompt();
    }
    this.pendingLogin = null;
  }

  /** Our server's `join` and `leave` answers carry a `room` key: show it in the prompt. */
  private trackRoom(value: unknown): void {
    const room = (value as { room?: unknown } | null)?.room;
    if (typeof room !== "string") return;
    this.room = room;
    this.updatePrompt();
  }

  private updatePrompt(): void {
    this.terminal?.setPrompt(`${this.self ?? ""}${this.room ? `@${this.room}` : ""}> `);
  }

  /** Names for tab completion: message senders, live or in history, and `names` given as a list. */
  private learnNames(kind: string, fields: { sender?: unknown; content?: unknown }): void {
    const add = (name: string) => {
      if (name && name.toLowerCase() !== "server" && this.seenNames.size < 1000) this.seenNames.add(name);
    };
    if (kind === "message") add(senderName(fields.sender));
    if (Array.isArray(fields.content)) {
      for (const entry of fields.content.slice(-1000)) {
        if (kind === "history") add(senderName(historySender(entry)));
        else if (typeof entry === "string" && /^[A-Za-z0-9]+$/.test(entry)) add(entry);
      }
    }
  }

  private print(lines: string[]): void {
    if (this.terminal) this.terminal.print(lines);
    else write(process.stdout, lines.map((l) => l + "\n").join(""));
  }

  /**
   * Leaving (end of input, Ctrl-D, Ctrl-C, or a typed logout): let late responses arrive, log out
   * if logged in (or if a login was never answered), wait briefly for the server to close, close, exit 0.
   */
  private async leave(): Promise<void> {
    if (this.leaving || !this.socket) return;
    this.leaving = true;
    // Wait for an answer to the last request, then for a quiet moment; a server that never answers costs MAX_SETTLE_MS.
    const started = Date.now();
    while (Date.now() - started < MAX_SETTLE_MS) {
      const answered = this.lastResponseAt >= this.lastRequestAt;
      if (answered && Date.now() - Math.max(this.lastResponseAt, this.lastRequestAt) >= SETTLE_MS) break;
      await Bun.sleep(25);
    }
    if ((this.loggedIn || this.pendingLogin !== null) && !this.logoutSent) {
      this.logoutSent = true;
      this.send(encodeRequest({ request: "logout", content: null }));
    }
    if (this.logoutSent) {
      const deadline = Date.now() + LOGOUT_GRACE_MS;
      while (this.socket && Date.now() < deadline) await Bun.sleep(25);
    }
    this.socket?.end();
    this.exit(0);
  }

  private onClose(): void {
    if (!this.socket) return;
    if (this.leaving || this.logoutSent) return this.exit(0);
    this.fail(`Connection to ${this.address} closed by the server.`);
  }

  /** In a terminal the reason shows in red above the prompt; in a pipe it goes to stderr. */
  private fail(reason: string): void {
    if (this.terminal?.interactive) this.terminal.print([this.colors.red(`! ${reason}`)]);
    else write(process.stderr, reason + "\n");
    this.exit(1);
  }

  private exit(code: number): void {
    if (this.exiting) return;
    this.exiting = true;
    this.socket = null;
    this.terminal?.close();
    void exitAfterFlush(code);
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is the server running there?)",
  ENOTFOUND: "no such host",
  ETIMEDOUT: `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`,
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

function describe(failure: unknown): string {
  const { code, message } = failure as { code?: string; message?: string };
  return (code && REASONS[code]) ?? message ?? String(failure);
}

/** Bounded time to let a pipe take the last output before exiting. */
const FLUSH_MS = 5000;

/** Exits once stdout and stderr have taken everything written so far: process.exit drops what a pipe has not. */
async function exitAfterFlush(code: number): Promise<never> {
  await Promise.race([allWritten(), Bun.sleep(FLUSH_MS)]);
  process.exit(code);
}

/** The sender of one history entry, whether it came as a JSON string or as an object. */
function historySender(entry: unknown): unknown {
  let value = entry;
  if (typeof entry === "string") {
    try {
      value = JSON.parse(entry);
    } catch {
      return null;
    }
  }
  return typeof value === "object" && value !== null ? (value as { sender?: unknown }).sender : null;
}

const settings = parseClientArgs(Bun.argv.slice(2));
if (typeof settings === "number") process.exit(settings);
else await new ChatClient(settings).start();
