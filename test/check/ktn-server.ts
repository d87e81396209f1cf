// Test support for the checker: one small KTN server, correct by default, with at most one defect switched on.
//
// Correct means what the checker asks of any server: the course's responses and rules, one response
// per write a little apart (so no reader ever gets two in one read), and no response over 4096 bytes.
// Each defect breaks exactly one rule, as the course servers we studied did.
import { startFakeServer, type Behaviour, type FakeConnection, type FakeServer } from "../support/fake-server.ts";

export const DEFECTS = [
  "numeric-timestamp", // every timestamp is seconds since 1970, a number
  "no-history", // a login gets its info and no history
  "msg-before-login", // msg is broadcast before login
  "any-name", // usernames are not checked
  "no-echo", // a message reaches everyone but its sender
  "ghost", // a client gone without logout stays in names
  "coalesce", // the responses to one request go out in one write, no delimiter
  "no-fit", // a long history goes out whole
  "taken-accepted", // two users may share a name
  "newest-first", // history lists the newest message first
  "history-objects", // history entries are objects, not JSON strings
  "unknown-accepted", // an unknown request after login gets an info
  "logout-keeps", // logout answers but the user stays in names (and the connection stays open)
] as const;

export type Defect = (typeof DEFECTS)[number];

/** Pause between two writes to one connection: above any event-loop stall a busy test run has. */
const GAP_MS = 60;
const READ_BYTES = 4096;

/** Starts the server on 127.0.0.1, port 0. */
export function startKtnServer(defect: Defect | null = null): Promise<FakeServer> {
  return startFakeServer(ktnServer(defect));
}

export function ktnServer(defect: Defect | null): Behaviour {
  const past: object[] = [];
  const pacers = new Map<FakeConnection, Pacer>();
  const stamp = () => (defect === "numeric-timestamp" ? Math.floor(Date.now() / 1000) : new Date().toISOString());
  const make = (response: string, content: unknown, sender = "server") => ({ timestamp: stamp(), sender, response, content });
  const send = (connection: FakeConnection, ...responses: object[]) => {
    if (defect === "coalesce") return connection.write(responses.map((response) => JSON.stringify(response)).join(""));
    let pacer = pacers.get(connection);
    if (!pacer) pacers.set(connection, (pacer = new Pacer(connection)));
    for (const response of responses) pacer.send(JSON.stringify(response) + "\n");
  };
  const historyResponse = () => {
    const entries = (defect === "history-objects" ? past : past.map((message) => JSON.stringify(message))) as unknown[];
    const fitting = defect === "no-fit" ? entries : newestThatFit(entries, (content) => JSON.stringify(make("history", content)) + "\n");
    return make("history", defect === "newest-first" ? fitting.toReversed() : fitting);
  };

  return (request, connection, server) => {
    const online = () => server.connections.filter((c) => c.username !== null && (defect === "ghost" || !c.closed));
    const kind = request?.request;
    if (typeof kind !== "string") return send(connection, make("error", "Requests are JSON objects."));
    const open = kind === "login" || kind === "help" || (defect === "msg-before-login" && kind === "msg");
    if (connection.username === null && !open) return send(connection, make("error", "Log in first."));
    const content = request.content;
    switch (kind) {
      case "login": {
        if (connection.username !== null) return send(connection, make("error", "Logged in already."));
        if (defect !== "any-name" && !(typeof content === "string" && /^[A-Za-z0-9]+$/.test(content))) return send(connection, make("error", "Bad username."));
        if (defect !== "taken-accepted" && online().some((c) => c.username === content)) return send(connection, make("error", "Username taken."));
        for (const other of online()) send(other, make("info", `${content} joined.`));
        connection.username = String(content);
        return send(connection, make("info", "Login successful."), ...(defect === "no-history" ? [] : [historyResponse()]));
      }
      case "msg": {
        const message = make("message", String(content), connection.username ?? "");
        past.push(message);
        const everyone = connection.username === null ? [...online(), connection] : online();
        for (const other of everyone) if (defect !== "no-echo" || other !== connection) send(other, message);
        return;
      }
      case "names":
        return send(connection, make("info", `Users: ${online().map((c) => c.username).join(", ")}`));
      case "help":
        return send(connection, make("info", "login <name>, logout, msg <text>, names, help"));
      case "logout":
        send(connection, make("info", "Bye."));
        if (defect === "logout-keeps") return;
        connection.username = null;
        if (defect === "coalesce") connection.close();
        else pacers.get(connection)!.closeWhenDone();
        for (const other of online()) send(other, make("info", "Someone left."));
        return;
      default:
        return send(connection, make(defect === "unknown-accepted" ? "info" : "error", `Unknown request ${kind}.`));
    }
  };
}

/** The newest entries whose history response, as written, fits one course read. */
function newestThatFit(entries: unknown[], written: (content: unknown[]) => string): unknown[] {
  let first = entries.length;
  while (first > 0 && Buffer.byteLength(written(entries.slice(first - 1))) <= READ_BYTES) first--;
  return entries.slice(first);
}

/** One response per write, GAP_MS apart, in order; then, if asked, the close. */
class Pacer {
  private queue: string[] = [];
  private busy = false;
  private closing = false;

  constructor(private readonly connection: FakeConnection) {}

  send(text: string): void {
    this.queue.push(text);
    if (!this.busy) this.next();
  }

  closeWhenDone(): void {
    this.closing = true;
    if (!this.busy) this.connection.close();
  }

  private next(): void {
    const text = this.queue.shift();
    if (text === undefined) {
      this.busy = false;
      if (this.closing) this.connection.close();
      return;
    }
    this.busy = true;
    this.connection.write(text);
    setTimeout(() => this.next(), GAP_MS);
  }
}
