// The load generator: one Bun process that speaks KTN, RESP pub/sub or raw lines to one target.
//
// Run by bench/run.ts as a child with IPC (`process.send` / `process.on("message")`); the classes are
// also imported directly by test/bench-smoke.test.ts. Senders and receivers of a fan-out share this one
// process and one event loop: completion of a message (received by all N receivers) is seen the moment
// the last receiver reads it, so a sender with a free window slot sends again in the same turn, with no
// extra hop. (A split design — receivers in another process acking to the senders — adds an IPC hop per
// message and, on 2 cores, only competes with the server for the second core.)
//
// Every loop here is bounded in count and in time, and only 127.0.0.1 is dialled.
import type { Socket } from "bun";
import { ADAPTERS, MARK, payload, type Adapter, type Proto } from "./protocols.ts";

const HOST = "127.0.0.1";
const MAX_SENDERS = 64;
const RING = 1024; // > any window W, so a slot is never reused before its message completes
const HIST_US = 200_000; // exact 1 µs buckets up to 200 ms; slower deliveries kept in `overflow`
const DOT = 0x2e;

export function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/** utime+stime of a process in seconds, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuSeconds(pid: number | "self"): number {
  try {
    const stat = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** VmRSS of a process in KiB. */
export function rssKiB(pid: number | "self"): number {
  try {
    const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

export class LatencyHistogram {
  readonly buckets = new Uint32Array(HIST_US);
  overflow: number[] = [];
  count = 0;
  max = 0;

  add(us: number): void {
    const v = us < 0 ? 0 : Math.floor(us);
    this.count++;
    if (v > this.max) this.max = v;
    if (v < HIST_US) this.buckets[v]!++;
    else if (this.overflow.length < 1_000_000) this.overflow.push(v);
  }

  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < HIST_US; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i;
    }
    const rest = [...this.overflow].sort((a, b) => a - b);
    return rest[Math.min(rest.length - 1, rank - seen - 1)] ?? this.max;
  }

  reset(): void {
    this.buckets.fill(0);
    this.overflow = [];
    this.count = 0;
    this.max = 0;
  }
}

interface Conn {
  socket: Socket<Conn> | null;
  ready: boolean;
  tail: Buffer | null;
  index: number;
  onReady: (() => void) | null;
}

/** Opens `count` connections, `parallel` at a time, each sending `hello(i)` and waiting for its answer. */
async function openAll(
  count: number,
  parallel: number,
  port: number,
  hello: (i: number) => string | null,
  adapter: Adapter,
  onData: (conn: Conn, chunk: Buffer) => void,
  deadlineMs: number,
): Promise<{ conns: Conn[]; failed: number }> {
  const conns: Conn[] = [];
  let failed = 0;
  let next = 0;
  const deadline = Date.now() + deadlineMs;
  async function one(i: number): Promise<void> {
    const conn: Conn = { socket: null, ready: false, tail: null, index: i, onReady: null };
    const text = hello(i);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      conn.onReady = resolve;
      timer = setTimeout(() => reject(new Error("hello timed out")), Math.max(1, deadline - Date.now()));
    });
    ready.catch(() => {});
    try {
      conn.socket = await Bun.connect<Conn>({
        hostname: HOST,
        port,
        data: conn,
        socket: {
          data(socket, chunk) {
            const c = socket.data;
            if (c.ready) return onData(c, chunk as Buffer);
            const buf = c.tail ? Buffer.concat([c.tail, chunk]) : Buffer.from(chunk);
            const end = adapter.helloEnd(buf);
            if (end < 0) {
              c.tail = buf;
              return;
            }
            c.tail = null;
            c.ready = true;
            c.onReady?.();
            if (end < buf.length) onData(c, buf.subarray(end));
          },
          close(socket) {
            socket.data.socket = null;
          },
          error() {},
        },
      });
      if (text === null) {
        conn.ready = true;
        conn.onReady?.();
      } else conn.socket.write(text);
      await ready;
    } finally {
      clearTimeout(timer);
      if (!conn.ready) conn.socket?.terminate();
    }
    conns.push(conn);
  }
  async function worker(): Promise<void> {
    for (let guard = 0; guard < count && next < count && Date.now() < deadline; guard++) {
      const i = next++;
      try {
        await one(i);
      } catch {
        failed++;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  failed = count - conns.length;
  conns.sort((a, b) => a.index - b.index);
  return { conns, failed };
}

export interface CellSpec {
  cell: number;
  senders: number;
  window: number;
  seconds: number;
  maxMessages: number;
  /** How long to wait for in-flight messages after sending stops. */
  drainSeconds?: number;
}

export interface CellResult {
  cell: number;
  senders: number;
  window: number;
  receivers: number;
  elapsedSec: number;
  messagesSent: number;
  messagesCompleted: number;
  deliveries: number;
  deliveriesPerSec: number;
  latencyUs: { p50: number; p99: number; max: number };
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Largest count of any one receiver, for each kind of error. */
  worstReceiver: { lost: number; duplicated: number; outOfOrder: number };
  stray: number;
  /** Bytes the senders' connections were sent (KTN's echo of every message; redis's replies, or what `sendersHear` listeners heard). */
  senderBytes: number;
  genCpuSec: number;
  genCoreShare: number;
  genSaturated: boolean;
  timedOut: boolean;
}

/** N receivers on one target, reused across cells, and each cell's S senders. */
export class FanOut {
  private adapter: Adapter;
  private rx: Conn[] = [];
  private tx: Conn[] = [];
  /** With `sendersHear`, each sender's subscription of its own (a publishing redis connection cannot subscribe). */
  private txEars: Conn[] = [];
  private senderBytes = 0;
  private n = 0;
  // per-cell state
  private cell = -1;
  private S = 0;
  private W = 1;
  private hi = new Int32Array(0); // [receiver * MAX_SENDERS + sender] highest seq seen
  private uniq = new Float64Array(0);
  private dup = new Float64Array(0);
  private ooo = new Float64Array(0);
  private ring = new Uint32Array(MAX_SENDERS * RING);
  private inflight = new Int32Array(MAX_SENDERS);
  private nextSeq = new Int32Array(MAX_SENDERS);
  private active = new Uint8Array(MAX_SENDERS);
  private out: string[] = [];
  private flushQueued = false;
  private deadlineMs = 0;
  private maxMessages = 0;
  private sent = 0;
  private completed = 0;
  private deliveries = 0;
  private stray = 0;
  private lastCompleteMs = 0;
  private running = false;
  private onFinish: (() => void) | null = null;
  readonly hist = new LatencyHistogram();

  constructor(
    proto: Proto,
    private readonly port: number,
    private readonly prefix: string,
    /** Senders also hear every message, as KTN's authors do: for a target whose publishers hear nothing, the same bytes out. */
    private readonly sendersHear = false,
  ) {
    this.adapter = ADAPTERS[proto];
  }

  /** Logs the N receivers in; senders are logged in per cell (see run), so a room holds exactly N + S. */
  async setup(receivers: number, timeoutSec = 120): Promise<{ failed: number; setupSec: number }> {
    const t0 = performance.now();
    const a = this.adapter;
    const rx = await openAll(receivers, 64, this.port, (i) => a.rxHello(`${this.prefix}r${i}`), a, (c, chunk) => this.onRx(c, chunk), timeoutSec * 1000);
    this.rx = rx.conns;
    this.n = this.rx.length;
    this.hi = new Int32Array(this.n * MAX_SENDERS);
    this.uniq = new Float64Array(this.n);
    this.dup = new Float64Array(this.n);
    this.ooo = new Float64Array(this.n);
    return { failed: rx.failed, setupSec: (performance.now() - t0) / 1000 };
  }

  /**
   * A cell's own S senders, logged in before it starts and gone after it: a sender idle in this cell
   * but still logged in would be one more member of the room on servers where every user hears every
   * message (KTN, Python), and not on those where publishers hear nothing (redis, raw).
   */
  private async openSenders(cell: number, senders: number, timeoutSec: number): Promise<void> {
    const a = this.adapter;
    const heard = (_: Conn, chunk: Buffer) => void (this.senderBytes += chunk.length);
    const tx = await openAll(senders, 8, this.port, (i) => a.txHello(`${this.prefix}c${cell}s${i}`), a, heard, timeoutSec * 1000);
    this.tx = tx.conns;
    if (tx.failed > 0) throw new Error(`${tx.failed} of ${senders} senders failed to log in`);
    if (!this.sendersHear) return;
    const ears = await openAll(senders, 8, this.port, (i) => a.rxHello(`${this.prefix}c${cell}e${i}`), a, heard, timeoutSec * 1000);
    this.txEars = ears.conns;
    if (ears.failed > 0) throw new Error(`${ears.failed} of ${senders} senders' subscriptions failed`);
  }

  private closeSenders(): void {
    for (const c of [...this.tx, ...this.txEars]) c.socket?.end();
    this.tx = [];
    this.txEars = [];
  }

  close(): void {
    for (const c of [...this.rx, ...this.tx, ...this.txEars]) c.socket?.end();
  }

  async run(spec: CellSpec): Promise<CellResult> {
    if (spec.senders > MAX_SENDERS) throw new Error(`at most ${MAX_SENDERS} senders`);
    await this.openSenders(spec.cell, spec.senders, 30);
    try {
      return await this.measure(spec);
    } finally {
      this.closeSenders();
    }
  }

  private measure(spec: CellSpec): Promise<CellResult> {
    this.cell = spec.cell;
    this.S = spec.senders;
    this.W = Math.min(spec.window, RING - 1);
    this.hi.fill(-1);
    this.uniq.fill(0);
    this.dup.fill(0);
    this.ooo.fill(0);
    this.ring.fill(0);
    this.inflight.fill(0);
    this.nextSeq.fill(0);
    this.active.fill(0);
    this.out = new Array(this.S).fill("");
    this.sent = this.completed = this.deliveries = this.stray = this.senderBytes = 0;
    this.hist.reset();
    this.maxMessages = spec.maxMessages;
    const cpu0 = cpuSeconds("self");
    const t0 = performance.now();
    this.deadlineMs = t0 + spec.seconds * 1000;
    this.lastCompleteMs = t0;
    this.running = true;
    let timedOut = false;
    const finished = new Promise<void>((resolve) => {
      this.onFinish = resolve;
    });
    const hardStop = setTimeout(() => {
      timedOut = true;
      this.finish();
    }, (spec.seconds + (spec.drainSeconds ?? 10)) * 1000);
    for (let s = 0; s < this.S; s++) {
      this.active[s] = 1;
      this.fill(s);
    }
    return finished.then(() => {
      clearTimeout(hardStop);
      const elapsedSec = ((timedOut ? performance.now() : this.lastCompleteMs) - t0) / 1000;
      const genCpuSec = cpuSeconds("self") - cpu0;
      let lost = 0, duplicated = 0, outOfOrder = 0;
      const worst = { lost: 0, duplicated: 0, outOfOrder: 0 };
      for (let r = 0; r < this.n; r++) {
        const l = Math.max(0, this.sent - this.uniq[r]!);
        lost += l;
        duplicated += this.dup[r]!;
        outOfOrder += this.ooo[r]!;
        worst.lost = Math.max(worst.lost, l);
        worst.duplicated = Math.max(worst.duplicated, this.dup[r]!);
        worst.outOfOrder = Math.max(worst.outOfOrder, this.ooo[r]!);
      }
      const wall = (performance.now() - t0) / 1000;
      return {
        cell: spec.cell,
        senders: this.S,
        window: this.W,
        receivers: this.n,
        elapsedSec,
        messagesSent: this.sent,
        messagesCompleted: this.completed,
        deliveries: this.deliveries,
        deliveriesPerSec: this.deliveries / elapsedSec,
        latencyUs: { p50: this.hist.percentile(50), p99: this.hist.percentile(99), max: this.hist.max },
        lost,
        duplicated,
        outOfOrder,
        worstReceiver: worst,
        stray: this.stray,
        senderBytes: this.senderBytes,
        genCpuSec,
        genCoreShare: genCpuSec / wall,
        genSaturated: genCpuSec / wall > 0.9,
        timedOut,
      };
    });
  }

  private finish(): void {
    if (!this.running) return;
    this.running = false;
    this.active.fill(0);
    const done = this.onFinish;
    this.onFinish = null;
    done?.();
  }

  /** Sends from sender `s` until its window is full or its time or count is up. */
  private fill(s: number): void {
    while (this.active[s] && this.inflight[s]! < this.W) {
      if (this.sent >= this.maxMessages || performance.now() >= this.deadlineMs) {
        this.active[s] = 0;
        break;
      }
      const seq = this.nextSeq[s]!++;
      this.inflight[s]!++;
      this.sent++;
      this.out[s] += this.adapter.frame(payload(this.cell, s, seq, Math.round(nowUs())));
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    this.checkDone();
  }

  private checkDone(): void {
    if (!this.running) return;
    for (let s = 0; s < this.S; s++) if (this.active[s] || this.inflight[s]) return;
    this.finish();
  }

  private flush(): void {
    this.flushQueued = false;
    for (let s = 0; s < this.S; s++) {
      const text = this.out[s]!;
      if (!text) continue;
      this.out[s] = "";
      const conn = this.tx[s]!;
      const bytes = Buffer.from(text);
      const taken = conn.socket?.write(bytes) ?? -1;
      if (taken >= 0 && taken < bytes.length) {
        // The kernel took part of it: keep the rest in front of later sends (rare: ~150 B frames).
        this.out[s] = bytes.subarray(taken).toString() + this.out[s];
        setTimeout(() => this.flush(), 1);
      }
    }
  }

  /** The hot path: find every payload marker in what one receiver read. */
  private onRx(c: Conn, chunk: Buffer): void {
    let buf = chunk;
    if (c.tail) {
      buf = Buffer.concat([c.tail, chunk]);
      c.tail = null;
    }
    const len = buf.length;
    const now = nowUs();
    const r = c.index;
    let pos = 0;
    for (let guard = 0; guard < len; guard++) {
      const m = buf.indexOf(MARK, pos);
      if (m < 0) {
        if (buf[len - 1] === 0x7e) c.tail = Buffer.from(buf.subarray(len - 1));
        return;
      }
      let i = m + 2;
      let cell = 0, s = 0, seq = 0, t = 0, ch = 0;
      while (i < len && (ch = buf[i]!) !== DOT) (cell = cell * 10 + ch - 48), i++;
      i++;
      while (i < len && (ch = buf[i]!) !== DOT) (s = s * 10 + ch - 48), i++;
      i++;
      while (i < len && (ch = buf[i]!) !== DOT) (seq = seq * 10 + ch - 48), i++;
      i++;
      while (i < len && (ch = buf[i]!) !== DOT) (t = t * 10 + ch - 48), i++;
      if (i >= len) {
        c.tail = Buffer.from(buf.subarray(m));
        return;
      }
      pos = i + 1;
      if (cell !== this.cell || !this.running || s >= this.S) {
        this.stray++;
        continue;
      }
      this.record(r, s, seq, now - t);
    }
  }

  private record(r: number, s: number, seq: number, latencyUs: number): void {
    const k = r * MAX_SENDERS + s;
    const hi = this.hi[k]!;
    if (seq <= hi) {
      this.dup[r]!++;
      return;
    }
    if (seq !== hi + 1) this.ooo[r]!++;
    this.hi[k] = seq;
    this.uniq[r]!++;
    this.deliveries++;
    this.hist.add(latencyUs);
    const slot = s * RING + (seq & (RING - 1));
    if (++this.ring[slot]! === this.n) {
      this.ring[slot] = 0;
      this.inflight[s]!--;
      this.completed++;
      this.lastCompleteMs = performance.now();
      this.fill(s);
    }
  }
}

export interface LoginResult {
  concurrency: number;
  seconds: number;
  completed: number;
  failed: number;
  perSec: number;
  latencyUs: { p50: number; p99: number; max: number };
  genCpuSec: number;
  genCoreShare: number;
  genSaturated: boolean;
}

/** K loops of connect → hello → answer → close, for about `seconds`. */
export async function loginRate(proto: Proto, port: number, k: number, seconds: number, prefix: string, maxPerLoop = 200_000): Promise<LoginResult> {
  const adapter = ADAPTERS[proto];
  const hist = new LatencyHistogram();
  let completed = 0, failed = 0;
  const cpu0 = cpuSeconds("self");
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  async function loop(id: number): Promise<void> {
    for (let i = 0; i < maxPerLoop && performance.now() < deadline; i++) {
      const started = nowUs();
      try {
        await new Promise<void>((resolve, reject) => {
          let tail: Buffer | null = null;
          let done = false;
          const timer = setTimeout(() => reject(new Error("login timed out")), 5000);
          Bun.connect({
            hostname: HOST,
            port,
            socket: {
              open(socket) {
                socket.write(adapter.rxHello(`${prefix}k${id}n${i}`));
              },
              data(socket, chunk) {
                if (done) return;
                tail = tail ? Buffer.concat([tail, chunk]) : Buffer.from(chunk);
                if (adapter.helloEnd(tail) < 0) return;
                done = true;
                clearTimeout(timer);
                socket.end();
                resolve();
              },
              close() {
                if (!done) (clearTimeout(timer), reject(new Error("closed")));
              },
              error() {},
              connectError(_s, e) {
                clearTimeout(timer);
                reject(e);
              },
            },
          }).catch(reject);
        });
        completed++;
        hist.add(nowUs() - started);
      } catch {
        failed++;
      }
    }
  }
  await Promise.all(Array.from({ length: k }, (_, id) => loop(id)));
  const wall = (performance.now() - t0) / 1000;
  const genCpuSec = cpuSeconds("self") - cpu0;
  return {
    concurrency: k,
    seconds: wall,
    completed,
    failed,
    perSec: completed / wall,
    latencyUs: { p50: hist.percentile(50), p99: hist.percentile(99), max: hist.max },
    genCpuSec,
    genCoreShare: genCpuSec / wall,
    genSaturated: genCpuSec / wall > 0.9,
  };
}

/** C logged-in idle connections; they keep reading (and discarding) whatever the server sends. */
export class IdleCrowd {
  private conns: Conn[] = [];
  constructor(
    private readonly proto: Proto,
    private readonly port: number,
    private readonly prefix: string,
  ) {}

  async grow(total: number, timeoutSec: number): Promise<{ connected: number; failed: number; setupSec: number }> {
    const t0 = performance.now();
    const add = total - this.conns.length;
    const base = this.conns.length;
    const a = ADAPTERS[this.proto];
    const { conns, failed } = await openAll(add, 128, this.port, (i) => a.rxHello(`${this.prefix}i${base + i}`), a, () => {}, timeoutSec * 1000);
    this.conns.push(...conns);
    const alive = this.conns.filter((c) => c.socket !== null).length;
    return { connected: alive, failed, setupSec: (performance.now() - t0) / 1000 };
  }

  alive(): number {
    return this.conns.filter((c) => c.socket !== null).length;
  }

  close(): void {
    for (const c of this.conns) c.socket?.end();
    this.conns = [];
  }
}

// --- child-process mode: driven by bench/run.ts over IPC ---

type Command =
  | { op: "fanout-setup"; proto: Proto; port: number; receivers: number; prefix: string; sendersHear: boolean }
  | ({ op: "cell" } & CellSpec)
  | { op: "login"; proto: Proto; port: number; k: number; seconds: number; prefix: string }
  | { op: "idle-grow"; proto: Proto; port: number; total: number; prefix: string; timeoutSec: number }
  | { op: "idle-alive" }
  | { op: "close" };

if (import.meta.main) {
  let fan: FanOut | null = null;
  let idle: IdleCrowd | null = null;
  const reply = (value: unknown): void => void process.send!(value);
  let chain = Promise.resolve();
  process.on("message", (command: Command) => {
    chain = chain.then(async () => {
      try {
        switch (command.op) {
          case "fanout-setup":
            fan = new FanOut(command.proto, command.port, command.prefix, command.sendersHear);
            return reply({ ok: true, ...(await fan.setup(command.receivers)) });
          case "cell":
            return reply({ ok: true, ...(await fan!.run(command)) });
          case "login":
            return reply({ ok: true, ...(await loginRate(command.proto, command.port, command.k, command.seconds, command.prefix)) });
          case "idle-grow":
            idle ??= new IdleCrowd(command.proto, command.port, command.prefix);
            return reply({ ok: true, ...(await idle.grow(command.total, command.timeoutSec)) });
          case "idle-alive":
            return reply({ ok: true, alive: idle?.alive() ?? 0 });
          case "close":
            fan?.close();
            idle?.close();
            reply({ ok: true });
            setTimeout(() => process.exit(0), 200);
            return;
        }
      } catch (failure) {
        reply({ ok: false, error: String((failure as Error)?.stack ?? failure) });
      }
    });
  });
  process.on("disconnect", () => process.exit(0));
  reply({ ok: true, started: true });
}
