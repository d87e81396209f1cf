// The page's connection: one WebSocket to /ws, logged in under one name, reconnecting with backoff when it is lost.
import type { Request } from "../protocol/requests.ts";
import type { Response } from "../protocol/responses.ts";

export type ConnectionState =
  | { kind: "offline"; reason?: string }
  | { kind: "connecting" }
  | { kind: "online"; username: string }
  | { kind: "waiting"; seconds: number };

/** Seconds before each reconnect attempt: 1, 2, 4 … then every 30. */
export const BACKOFF_SECONDS = [1, 2, 4, 8, 16, 30] as const;

export interface ConnectionEvents {
  state(state: ConnectionState): void;
  /** Everything the server sent, in order. */
  response(response: Response): void;
  /** The server refused the login: show its error beside the form. */
  loginRefused(reason: string): void;
  /** Reconnected under a registered name: the password is needed again, since the page never keeps it. */
  passwordNeeded(username: string): void;
}

export class ChatConnection {
  private ws: WebSocket | null = null;
  private username: string | null = null;
  /** The name needed a password the last time: a reconnect must ask for it again. */
  private withPassword = false;
  /** A login was sent and its answer has not come yet. */
  private awaitingLogin = false;
  private loggedIn = false;
  /** Logged in once and not logged out: a lost connection is reconnected. */
  private keepUp = false;
  private lastResponse: Response | null = null;
  private attempt = 0;
  private countdown: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly url: string,
    private readonly events: ConnectionEvents,
  ) {}

  /** Logs in, connecting first when needed; the password goes out once and is not kept. */
  login(username: string, password: string): void {
    this.username = username;
    this.withPassword = password !== "";
    if (this.ws?.readyState === WebSocket.OPEN && !this.loggedIn) return this.sendLogin(password);
    this.connect(password);
  }

  send(request: Request): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    if (request.request === "logout") this.keepUp = false;
    this.ws.send(JSON.stringify(request));
  }

  private connect(password: string | null): void {
    this.stopCountdown();
    this.ws?.close();
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.lastResponse = null;
    this.events.state({ kind: "connecting" });
    let opened = false;
    ws.onopen = () => {
      opened = true;
      if (password !== null) this.sendLogin(password);
      else if (this.withPassword) this.events.passwordNeeded(this.username!);
      else this.sendLogin("");
    };
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => {
      if (this.ws === ws) this.closed(event.code, opened);
    };
  }

  private sendLogin(password: string): void {
    this.awaitingLogin = true;
    const content = password ? `${this.username} ${password}` : this.username;
    this.ws!.send(JSON.stringify({ request: "login", content } satisfies Request));
  }

  private receive(data: unknown): void {
    if (typeof data !== "string") return;
    let response: Response;
    try {
      response = JSON.parse(data);
    } catch {
      return;
    }
    this.lastResponse = response;
    if (this.awaitingLogin) this.loginAnswered(response);
    this.events.response(response);
  }

  /** The first answer to a login says whether it worked: an `error`, or the welcome. */
  private loginAnswered(response: Response): void {
    this.awaitingLogin = false;
    if (response.response === "error") return this.events.loginRefused(String(response.content));
    this.loggedIn = true;
    this.keepUp = true;
    this.attempt = 0;
    this.events.state({ kind: "online", username: this.username! });
  }

  private closed(code: number, opened: boolean): void {
    this.ws = null;
    this.loggedIn = false;
    this.awaitingLogin = false;
    // A clean close right after an error is the server ending this session (kick, ban, a limit): coming back would repeat it.
    const ended = code === 1000 && this.lastResponse?.response === "error";
    if (this.keepUp && !ended) return this.reconnectLater();
    this.keepUp = false;
    const reason = ended ? String(this.lastResponse!.content) : opened ? undefined : "Could not reach the server. Is it running?";
    this.events.state({ kind: "offline", ...(reason ? { reason } : {}) });
  }

  private reconnectLater(): void {
    let seconds: number = BACKOFF_SECONDS[Math.min(this.attempt, BACKOFF_SECONDS.length - 1)]!;
    this.attempt++;
    this.events.state({ kind: "waiting", seconds });
    this.countdown = setInterval(() => {
      if (--seconds > 0) return this.events.state({ kind: "waiting", seconds });
      this.connect(null);
    }, 1000);
  }

  private stopCountdown(): void {
    if (this.countdown) clearInterval(this.countdown);
    this.countdown = null;
  }
}
