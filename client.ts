// ktn-chat terminal client: `bun client.ts [host] [port]`. Works against any KTN server, ours or not.
import type { Socket } from "bun";
import pc from "picocolors";
import { parseClientArgs, clientUsage, type ClientSettings } from "./ktn/client-options.ts";
import { JsonStreamDecoder } from "./ktn/framing.ts";
import { encodeRequest, parseInput } from "./ktn/input.ts";
import { renderResponse, senderName } from "./ktn/render.ts";
import { openTerminal, type Terminal } from "./ktn/terminal.ts";

/** A history can be long; the client still refuses to buffer without end. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** After the input ends, wait this long with no traffic before closing, so late responses are shown. */
const SETTLE_MS = 250;
const MAX_SETTLE_MS = 3000;
/** How long to wait for the server to close after a logout before closing ourselves. */
const LOGOUT_GRACE_MS = 1000;
const REQUEST_WORDS = ["login", "logout", "msg", "names", "help"];

class ChatClient {
  private socket: Socket | null = null;
  private readonly decoder = new JsonStreamDecoder(MAX_RESPONSE_BYTES);
  private terminal!: Terminal;
  private readonly colors;
  private readonly seenNames = new Set<string>();
  private self: string | null = null;
  private pendingLogin: string | null = null;
  private loggedIn = false;
  private leaving = false;
  private lastTraffic = Date.now();
  private outbox: Uint8Array[] = [];

  constructor(private readonly settings: ClientSettings) {
    this.colors = pc.createColors(settings.color);
  }

  /** Connects first, then reads input, so no line is typed into a connection that does not exist. */
  async start(): Promise<void> {
    await this.connect();
    this.terminal = openTerminal({
      line: (text) => this.onLine(text),
      end: () => void this.leave(),
      completions: () => [...REQUEST_WORDS, ...this.seenNames],
    });
  }

  private async connect(): Promise<void> {
    const { host, port } = this.settings;
    try {
      this.socket = await Bun.connect({
        hostname: host,
        port,
        socket: {
          data: (_socket, chunk) => this.onData(chunk),
          drain: () => this.flush(),
          close: () => this.onClose(),
          error: (_socket, failure) => this.fail(`Connection to ${host}:${port} failed: ${failure.message}`),
        },
      });
    } catch (failure) {
      this.fail(`Cannot connect to ${host}:${port}: ${(failure as Error).message}`);
    }
  }

  private onLine(text: string): void {
    const request = parseInput(text);
    if (!request) return;
    if (request.request === "login") this.pendingLogin = request.content;
    if (request.request === "logout") this.leaving = true;
    this.send(encodeRequest(request));
  }

  private send(line: string): void {
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
    this.lastTraffic = Date.now();
    let values;
    try {
      values = this.decoder.push(chunk);
    } catch (failure) {
      return this.fail(`The server sent more than ${MAX_RESPONSE_BYTES} bytes without finishing a response.`);
    }
    for (const frame of values) {
      if (frame.kind === "malformed") this.terminal.print([this.colors.dim(`(unreadable data from the server: ${frame.reason})`)]);
      else this.show(frame.value);
    }
  }

  private show(value: unknown): void {
    const fields = (typeof value === "object" && value ? value : {}) as { response?: unknown; sender?: unknown };
    if (fields.response === "history" && this.pendingLogin) {
      this.self = this.pendingLogin;
      this.loggedIn = true;
      this.terminal.setPrompt(`${this.self}> `);
    }
    if (fields.response === "message") this.seenNames.add(senderName(fields.sender));
    this.terminal.print(renderResponse(value, { colors: this.colors, self: this.self }));
  }

  /** End of input: let late responses arrive, log out if logged in, close, exit 0. */
  private async leave(): Promise<void> {
    if (!this.socket) return;
    const started = Date.now();
    while (Date.now() - this.lastTraffic < SETTLE_MS && Date.now() - started < MAX_SETTLE_MS) await Bun.sleep(50);
    if (this.loggedIn && !this.leaving) this.send(encodeRequest({ request: "logout", content: null }));
    this.leaving = true;
    await Bun.sleep(this.loggedIn ? LOGOUT_GRACE_MS : 0);
    this.socket?.end();
    this.exit(0);
  }

  private onClose(): void {
    if (this.leaving) return this.exit(0);
    this.fail(`Connection to ${this.settings.host}:${this.settings.port} closed by the server.`);
  }

  private fail(reason: string): void {
    if (this.terminal) this.terminal.print([this.colors.red(reason)]);
    else console.error(reason);
    this.exit(1);
  }

  private exit(code: number): void {
    this.socket = null;
    this.terminal?.close();
    process.exit(code);
  }
}

const settings = parseClientArgs(Bun.argv.slice(2));
if (typeof settings === "number") process.exit(settings);
else await new ChatClient(settings).start();
