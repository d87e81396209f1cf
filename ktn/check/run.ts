// One grading run against a server: its connections (never more than 16 at once), its users, its report.
import { ConnectError, Peer, type Framing } from "./peer.ts";
import { Report, type CheckSpec } from "./report.ts";

/** Servers commonly allow 16 connections from one address; the checker never needs more. */
const MAX_CONNECTIONS = 16;

export interface Target {
  host: string;
  port: number;
  /** The longest the checker waits for any one step (an answer, a delivery, a connection). */
  timeoutMs: number;
}

export class Unreachable extends Error {}

export class Run {
  readonly report: Report;
  readonly peers: Peer[] = [];
  private readonly names = new Set<string>();
  private opened = 0;
  private connecting = 0;

  constructor(
    readonly target: Target,
    specs: readonly CheckSpec[],
  ) {
    this.report = new Report(specs);
  }

  get timeoutMs(): number {
    return this.target.timeoutMs;
  }

  /** Throws Unreachable when the server cannot be reached at all. */
  async reachable(): Promise<void> {
    try {
      const peer = await Peer.connect(this.target.host, this.target.port, "reachability", "line", this.timeoutMs);
      peer.close();
    } catch (failure) {
      if (failure instanceof ConnectError) throw new Unreachable(`cannot reach ${this.target.host}:${this.target.port}: ${failure.message}`);
      throw failure;
    }
  }

  /** Opens one more connection; throws ConnectError when it cannot, or when 16 are already open. */
  async connect(purpose: string, framing: Framing): Promise<Peer> {
    if (this.peers.filter((peer) => !peer.closed).length + this.connecting >= MAX_CONNECTIONS) {
      throw new ConnectError(`the checker keeps to ${MAX_CONNECTIONS} connections at once`);
    }
    const label = `connection ${++this.opened}, ${purpose} (${framing === "line" ? "requests end with \\n" : "bare JSON, no newline"})`;
    this.connecting++;
    try {
      const peer = await Peer.connect(this.target.host, this.target.port, label, framing, this.timeoutMs);
      this.peers.push(peer);
      return peer;
    } finally {
      this.connecting--;
    }
  }

  /** A fresh name made of letters and digits only, so this run's users never meet another run's. */
  username(): string {
    for (;;) {
      const name = `chk${Math.random().toString(36).slice(2, 9)}`;
      if (name.length === 10 && !this.names.has(name)) {
        this.names.add(name);
        return name;
      }
    }
  }

  /**
   * Runs a probe; if it throws (the server went away, say), every one of its checks not judged yet
   * fails with the reason, and the other probes go on.
   */
  async probe(specs: readonly CheckSpec[], body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (failure) {
      const reason = failure instanceof ConnectError ? `could not connect: ${failure.message}` : `not judged: ${failure instanceof Error ? failure.message : String(failure)}`;
      for (const spec of specs) if (!this.report.judged(spec)) this.report.broken(spec, reason);
    }
  }

  /** Logs out every user still logged in and closes every connection; the run may go on with new ones. */
  async finish(): Promise<void> {
    await Promise.all(this.peers.map((peer) => (peer.username !== null ? peer.logout() : peer.close())));
  }
}
