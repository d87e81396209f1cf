// The benchmark runner: `bun bench/run.ts [--quick] [options]` (package.json: `bun run bench`).
//
// Starts each target itself on a free 127.0.0.1 port — ktn-chat (server.ts) as users run it, with its
// SQLite history file (a fresh temp file per run, deleted after), ktn-chat with `--db :memory:`,
// redis-server pub/sub (and, in small rooms, redis with its senders subscribed too: KTN echoes each
// message to its author, so a room of N receivers and S senders is sent N + S copies), the raw Bun
// re-broadcast baseline, the Python ThreadingTCPServer baseline, and a cluster of one or two ktn-chat nodes (`--redis`, two on one port with `--reuse-port`) on a
// redis-server of its own (appendonly) — drives it with bench/loadgen.ts in a child process, samples
// the target's CPU and RSS from /proc/<pid> (for a cluster: its nodes and redis-server together), and writes bench/results/<date>.json and bench/results/latest.md. Ends only the
// processes it started, by PID.
//
// Options: --quick, --reps R, --secs S (per fan-out/login cell), --targets ktn,ktnmem,redis,redisheard,raw,python,cluster1,cluster2,
//          --modes fanout,login,idle, --ns 10,100,1000, --idle 1000,5000,10000, --ks 4,32,
//          --cells 1x1,1x32,8x1,8x32 (SxW), --out DIR, --ktn-args "…" (extra server.ts flags),
//          --ktn-bun-args "…" (extra bun flags for the server, e.g. "--cpu-prof-md --cpu-prof-dir /tmp/prof").
import type { Subprocess } from "bun";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { cpuSeconds, rssKiB, type CellResult, type LoginResult } from "./loadgen.ts";
import type { Proto } from "./protocols.ts";
import { renderMarkdown, summarize } from "./report.ts";

const ROOT = join(import.meta.dir, "..");
const HERE = import.meta.dir;
const FD_LIMIT = 65536;

// ---------- options ----------
const argv = Bun.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, fallback: string) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1]! : fallback;
};
const list = (name: string, fallback: string) => opt(name, fallback).split(",").filter(Boolean);
const quick = flag("quick");
const config = {
  quick,
  reps: Number(opt("reps", quick ? "1" : "3")),
  secs: Number(opt("secs", quick ? "0.6" : "2")),
  targets: list("targets", "ktn,ktnmem,redis,redisheard,raw,python,cluster1,cluster2") as TargetName[],
  modes: list("modes", "fanout,login,idle"),
  ns: list("ns", quick ? "10,1000" : "10,100,1000").map(Number),
  cells: list("cells", "1x1,1x32,8x1,8x32").map((c) => {
    const [senders, window] = c.split("x").map(Number);
    return { senders: senders!, window: window! };
  }),
  idle: list("idle", quick ? "1000" : "1000,5000,10000").map(Number),
  ks: list("ks", quick ? "32" : "4,32").map(Number),
  out: opt("out", join(HERE, "results")),
  ktnArgs: opt("ktn-args", "").split(" ").filter(Boolean),
  ktnBunArgs: opt("ktn-bun-args", "").split(" ").filter(Boolean),
  payloadBytes: 100,
};
if (flag("help")) {
  const source = readFileSync(import.meta.path, "utf8").split("\n");
  console.log(source.slice(0, source.findIndex((line) => !line.startsWith("//"))).join("\n"));
  process.exit(0);
}

// ---------- processes we start (and only those we end) ----------
const started = new Set<Subprocess>();
/** Temp directories of history files, removed however the run ends. */
const tempDirs = new Set<string>();
function cleanup(): void {
  for (const proc of started) {
    try {
      process.kill(proc.pid, "SIGKILL");
    } catch {}
  }
  started.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.on("SIGINT", () => (cleanup(), process.exit(130)));
process.on("SIGTERM", () => (cleanup(), process.exit(143)));
process.on("exit", cleanup);

async function stopProc(proc: Subprocess): Promise<void> {
  if (proc.exitCode === null && proc.signalCode === null) {
    process.kill(proc.pid, "SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
    if (!exited) process.kill(proc.pid, "SIGKILL");
    await Promise.race([proc.exited, Bun.sleep(2000)]);
  }
  started.delete(proc);
}

/** Raises this process's fd limit as far as allowed (soft to hard, or more with CAP_SYS_RESOURCE); children inherit it. */
function raiseFdLimit(): number {
  const hard = Number(/Max open files\s+\d+\s+(\d+)/.exec(readFileSync(`/proc/${process.pid}/limits`, "utf8"))?.[1] ?? 0);
  const ok = Bun.spawnSync(["prlimit", `--pid=${process.pid}`, `--nofile=${FD_LIMIT}:${FD_LIMIT}`]).exitCode === 0;
  if (!ok && hard > 0) Bun.spawnSync(["prlimit", `--pid=${process.pid}`, `--nofile=${hard}:${hard}`]);
  const limits = readFileSync(`/proc/${process.pid}/limits`, "utf8");
  return Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? 0);
}

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

async function waitListening(port: number, proc: Subprocess, seconds = 15): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    if (proc.exitCode !== null) throw new Error(`target exited with ${proc.exitCode}`);
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      return;
    } catch {
      await Bun.sleep(50);
    }
  }
  throw new Error(`nothing listening on ${port} after ${seconds}s`);
}

// ---------- targets ----------
type TargetName = "ktn" | "ktnmem" | "redis" | "redisheard" | "raw" | "python" | "cluster1" | "cluster2";
interface Cell {
  senders: number;
  window: number;
}
interface TargetSpec {
  label: string;
  proto: Proto;
  baseline: boolean;
  /** The command line of a single-process target; `db` is a fresh temp file path for this run of it. */
  cmd?(port: number, db: string): string[];
  /** A cluster: this many ktn-chat nodes on one port (--reuse-port) and one redis-server of their own. */
  nodes?: number;
  /** Fan-out cells by N, for targets that run only some (others run `config.cells` at every N). */
  cellsByN?: Record<number, readonly Cell[]>;
  /** The generator gives each sender a subscription too, so the target sends every message to N + S, as KTN does. */
  sendersHear?: boolean;
}
const ktnServer = (port: number, db: string) =>
  ["bun", ...config.ktnBunArgs, join(ROOT, "server.ts"), "--host", "127.0.0.1", "--port", String(port), "--log-level", "warn", "--db", db, "--flood-rate", "0", "--http-port", "off", ...config.ktnArgs];
/** The cluster is measured where the issue sets its goals: a big room (fan-out) and a small one (latency). */
const CLUSTER_CELLS: Record<number, readonly Cell[]> = { 1000: [{ senders: 8, window: 1 }], 10: [{ senders: 1, window: 1 }] };
const clusterNode = (port: number, redisPort: number, nodes: number) => [
  ...ktnServer(port, ":memory:"),
  "--redis", `redis://127.0.0.1:${redisPort}`, "--cluster", "bench", ...(nodes > 1 ? ["--reuse-port"] : []),
];
const TARGETS: Record<TargetName, TargetSpec> = {
  ktn: {
    label: "ktn-chat (history file)",
    proto: "ktn",
    baseline: false,
    cmd: (port, db) => ktnServer(port, db),
  },
  ktnmem: {
    label: "ktn-chat --db :memory:",
    proto: "ktn",
    baseline: false,
    cmd: (port) => ktnServer(port, ":memory:"),
  },
  redis: {
    label: "redis pub/sub",
    proto: "redis",
    baseline: true,
    cmd: (port) => ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxclients", "19000", "--loglevel", "warning", "--daemonize", "no"],
  },
  redisheard: {
    label: "redis pub/sub, senders subscribed too (baseline)",
    proto: "redis",
    baseline: true,
    cmd: (port) => TARGETS.redis.cmd!(port, ""),
    // Small rooms only: that is where the S extra recipients weigh (N + S against N).
    cellsByN: { 10: config.cells },
    sendersHear: true,
  },
  raw: {
    label: "raw Bun (baseline)",
    proto: "raw",
    baseline: true,
    cmd: (port) => ["bun", join(HERE, "raw-server.ts"), "--port", String(port)],
  },
  python: {
    label: "Python threads (baseline)",
    proto: "ktn",
    baseline: true,
    cmd: (port) => ["python3", join(HERE, "ktn_threading_server.py"), "--port", String(port)],
  },
  cluster1: {
    label: "ktn-chat cluster: 1 node + redis",
    proto: "ktn",
    baseline: false,
    nodes: 1,
    cellsByN: CLUSTER_CELLS,
  },
  cluster2: {
    label: "ktn-chat cluster: 2 nodes on one port + redis",
    proto: "ktn",
    baseline: false,
    nodes: 2,
    cellsByN: CLUSTER_CELLS,
  },
};

/** A cluster's Redis as users should run it: appendonly, fsync every second, in the run's temp dir. */
const clusterRedis = (port: number, dir: string) =>
  ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--maxclients", "19000", "--loglevel", "warning", "--daemonize", "no"];

const cellsFor = (name: TargetName, n: number): readonly Cell[] => TARGETS[name].cellsByN?.[n] ?? (TARGETS[name].cellsByN ? [] : config.cells);

interface Running {
  name: TargetName;
  /** Every process of the target: one, or a cluster's nodes and then its redis-server. */
  procs: Subprocess[];
  port: number;
  /** The process login and idle runs measure (single-process targets only). */
  pid: number;
  /** The temp directory holding this run's history file (or a cluster's Redis files). */
  dir: string;
}

const logFile = (log: string) => join(tmpdir(), `ktn-bench-${log}.log`);

function spawnTarget(cmd: string[], log: string): Subprocess {
  // A log left by an earlier run must not be read as this one's (the cluster waits for a line in it).
  rmSync(logFile(log), { force: true });
  const proc = Bun.spawn(cmd, { cwd: ROOT, stdout: "ignore", stderr: Bun.file(logFile(log)) });
  started.add(proc);
  return proc;
}

async function startTarget(name: TargetName): Promise<Running> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "ktn-bench-db-"));
  tempDirs.add(dir);
  const { nodes, cmd } = TARGETS[name];
  if (nodes || !cmd) return { name, port, dir, ...(await startCluster(name, port, dir, nodes ?? 1)) };
  const proc = spawnTarget(cmd(port, join(dir, "ktn-chat.db")), name);
  await waitListening(port, proc);
  return { name, procs: [proc], port, pid: proc.pid, dir };
}

/** A redis-server, then each node once it says it listens (a second node on the port is not seen by a connect). */
async function startCluster(name: TargetName, port: number, dir: string, nodes: number): Promise<{ procs: Subprocess[]; pid: number }> {
  const redisPort = await freePort();
  const redis = spawnTarget(clusterRedis(redisPort, dir), `${name}-redis`);
  await waitListening(redisPort, redis);
  const procs: Subprocess[] = [];
  for (let i = 0; i < nodes; i++) {
    const log = `${name}-node${i + 1}`;
    const node = spawnTarget(clusterNode(port, redisPort, nodes), log);
    await waitLogged(logFile(log), node, "listening on");
    procs.push(node);
  }
  return { procs: [...procs, redis], pid: procs[0]!.pid };
}

async function waitLogged(file: string, proc: Subprocess, text: string, seconds = 15): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    if (proc.exitCode !== null) throw new Error(`node exited with ${proc.exitCode}: ${readFileSync(file, "utf8").trim()}`);
    if (existsSync(file) && readFileSync(file, "utf8").includes(text)) return;
    await Bun.sleep(50);
  }
  throw new Error(`no "${text}" in ${file} after ${seconds}s`);
}

/** CPU seconds of every process of the target together (for a cluster: its nodes and redis-server). */
const targetCpuSeconds = (target: Running) => target.procs.reduce((sum, proc) => sum + cpuSeconds(proc.pid), 0);
const targetRssKiB = (target: Running) => target.procs.reduce((sum, proc) => sum + rssKiB(proc.pid), 0);

/** Ends a target and deletes its history file (with SQLite's -wal and -shm files, or a cluster's Redis files). */
async function stopTarget(target: Running): Promise<void> {
  for (const proc of target.procs) await stopProc(proc);
  rmSync(target.dir, { recursive: true, force: true });
  tempDirs.delete(target.dir);
}

// ---------- the generator child ----------
class Generator {
  private proc: Subprocess;
  private waiting: ((value: any) => void)[] = [];
  private readonly startedUp: Promise<void>;
  constructor() {
    let ready!: () => void;
    this.startedUp = new Promise((resolve) => (ready = resolve));
    this.proc = Bun.spawn(["bun", join(HERE, "loadgen.ts")], {
      cwd: ROOT,
      stdout: "inherit",
      stderr: "inherit",
      ipc: (message) => {
        if (message?.started) return ready();
        this.waiting.shift()?.(message);
      },
    });
    started.add(this.proc);
  }
  get pid(): number {
    return this.proc.pid;
  }
  async ask<T>(command: object, timeoutSec: number): Promise<T> {
    await this.startedUp;
    const answer = new Promise<any>((resolve) => this.waiting.push(resolve));
    this.proc.send(command);
    const result = await Promise.race([answer, Bun.sleep(timeoutSec * 1000).then(() => ({ ok: false, error: `generator timed out after ${timeoutSec}s` }))]);
    if (!result.ok) throw new Error(result.error);
    return result as T;
  }
  async close(): Promise<void> {
    try {
      await this.ask({ op: "close" }, 10);
    } catch {}
    await stopProc(this.proc);
  }
}

// ---------- modes ----------
export interface FanoutRow extends CellResult {
  mode: "fanout";
  target: TargetName;
  rep: number;
  serverCpuSec: number;
  serverCpuUsPerDelivery: number;
  serverCoreShare: number;
  serverRssKiB: number;
}
export interface LoginRow extends LoginResult {
  mode: "login";
  target: TargetName;
  rep: number;
  serverCpuSec: number;
}
export interface IdleRow {
  mode: "idle";
  target: TargetName;
  connections: number;
  connected: number;
  failed: number;
  aliveAfterSettle: number;
  setupSec: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  rssPerConnKiB: number;
  settleSec: number;
}
type Row = FanoutRow | LoginRow | IdleRow;
const rows: Row[] = [];
let cellCounter = 1;

function say(text: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);
}

async function runFanout(name: TargetName, n: number): Promise<void> {
  const target = await startTarget(name);
  const gen = new Generator();
  try {
    const setup = await gen.ask<{ failed: number; setupSec: number }>(
      { op: "fanout-setup", proto: TARGETS[name].proto, port: target.port, receivers: n, prefix: `b${n}`, sendersHear: TARGETS[name].sendersHear ?? false },
      240,
    );
    say(`${name} N=${n}: ${n} receivers logged in in ${setup.setupSec.toFixed(1)}s (${setup.failed} failed)`);
    if (setup.failed > 0) throw new Error(`${setup.failed} connections failed to log in`);
    const maxMessages = Math.ceil(4_000_000 / n);
    // Warm-up (JIT, buffers), not recorded.
    await gen.ask({ op: "cell", cell: cellCounter++, senders: 8, window: 32, seconds: Math.min(0.5, config.secs), maxMessages }, 120);
    for (let rep = 1; rep <= config.reps; rep++) {
      for (const { senders, window } of cellsFor(name, n)) {
        const cpu0 = targetCpuSeconds(target);
        const t0 = performance.now();
        const result = await gen.ask<CellResult>({ op: "cell", cell: cellCounter++, senders, window, seconds: config.secs, maxMessages, drainSeconds: 20 }, config.secs + 60);
        const wall = (performance.now() - t0) / 1000;
        const serverCpuSec = targetCpuSeconds(target) - cpu0;
        const row: FanoutRow = {
          mode: "fanout",
          target: name,
          rep,
          ...result,
          serverCpuSec,
          serverCpuUsPerDelivery: (serverCpuSec / result.deliveries) * 1e6,
          serverCoreShare: serverCpuSec / wall,
          serverRssKiB: targetRssKiB(target),
        };
        rows.push(row);
        const errors = row.lost + row.duplicated + row.outOfOrder;
        say(
          `${name.padEnd(6)} N=${String(n).padStart(4)} S=${senders} W=${String(window).padStart(2)} rep${rep}: ` +
            `${Math.round(row.deliveriesPerSec).toLocaleString("en")} deliv/s  p50 ${row.latencyUs.p50}µs p99 ${row.latencyUs.p99}µs max ${row.latencyUs.max}µs  ` +
            `srv ${row.serverCpuUsPerDelivery.toFixed(2)}µs/deliv ${(row.serverCoreShare * 100).toFixed(0)}%core  gen ${(row.genCoreShare * 100).toFixed(0)}%core${row.genSaturated ? " SATURATED" : ""}` +
            `  err ${errors}${row.timedOut ? " TIMEOUT" : ""}`,
        );
      }
    }
  } finally {
    await gen.close();
    await stopTarget(target);
  }
}

async function runLogin(name: TargetName): Promise<void> {
  const target = await startTarget(name);
  const gen = new Generator();
  try {
    await gen.ask({ op: "login", proto: TARGETS[name].proto, port: target.port, k: 4, seconds: 0.3, prefix: "w" }, 60); // warm-up
    for (let rep = 1; rep <= config.reps; rep++) {
      for (const k of config.ks) {
        const cpu0 = cpuSeconds(target.pid);
        const result = await gen.ask<LoginResult>({ op: "login", proto: TARGETS[name].proto, port: target.port, k, seconds: config.secs, prefix: `l${rep}x${k}` }, config.secs + 60);
        const row: LoginRow = { mode: "login", target: name, rep, ...result, serverCpuSec: cpuSeconds(target.pid) - cpu0 };
        rows.push(row);
        say(`${name.padEnd(6)} login K=${k} rep${rep}: ${Math.round(row.perSec).toLocaleString("en")}/s  p50 ${row.latencyUs.p50}µs p99 ${row.latencyUs.p99}µs  failed ${row.failed}  gen ${(row.genCoreShare * 100).toFixed(0)}%core${row.genSaturated ? " SATURATED" : ""}`);
        await Bun.sleep(300);
      }
    }
  } finally {
    await gen.close();
    await stopTarget(target);
  }
}

async function settledRss(pid: number): Promise<{ rssKiB: number; settleSec: number }> {
  const t0 = performance.now();
  let previous = rssKiB(pid);
  let calm = 0;
  for (let i = 0; i < 20; i++) {
    await Bun.sleep(1000);
    const now = rssKiB(pid);
    calm = Math.abs(now - previous) < previous * 0.01 ? calm + 1 : 0;
    previous = now;
    if (i >= 5 && calm >= 2) break;
  }
  return { rssKiB: previous, settleSec: (performance.now() - t0) / 1000 };
}

async function runIdle(name: TargetName): Promise<void> {
  const target = await startTarget(name);
  const gen = new Generator();
  try {
    await Bun.sleep(500);
    const rssBeforeKiB = rssKiB(target.pid);
    for (const total of config.idle) {
      const grown = await gen.ask<{ connected: number; failed: number; setupSec: number }>(
        { op: "idle-grow", proto: TARGETS[name].proto, port: target.port, total, prefix: "idle", timeoutSec: 240 },
        300,
      );
      // Settle: let the target finish queued writes and return freed memory (Bun's scavenger takes
      // several seconds): RSS is read once it has changed by < 1% over two 1 s steps (6 s to 20 s).
      const settle = await settledRss(target.pid);
      const { alive } = await gen.ask<{ alive: number }>({ op: "idle-alive" }, 30);
      const rssAfterKiB = settle.rssKiB;
      const row: IdleRow = {
        mode: "idle",
        target: name,
        connections: total,
        connected: grown.connected,
        failed: total - alive,
        aliveAfterSettle: alive,
        setupSec: grown.setupSec,
        rssBeforeKiB,
        rssAfterKiB,
        rssPerConnKiB: (rssAfterKiB - rssBeforeKiB) / total,
        settleSec: settle.settleSec,
      };
      rows.push(row);
      say(`${name.padEnd(6)} idle C=${total}: ${alive} alive, ${row.failed} failed, grown in ${grown.setupSec.toFixed(1)}s, settled in ${settle.settleSec.toFixed(0)}s, RSS ${rssBeforeKiB}→${rssAfterKiB} KiB = ${row.rssPerConnKiB.toFixed(2)} KiB/conn`);
      if (alive < total) break;
    }
  } finally {
    await gen.close();
    await stopTarget(target);
  }
}

// ---------- main ----------
function machine() {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const redis = Bun.spawnSync(["redis-server", "--version"]).stdout.toString().trim();
  const python = Bun.spawnSync(["python3", "--version"]).stdout.toString().trim();
  return {
    nproc: cpus().length,
    cpuModel: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "?",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: Bun.spawnSync(["uname", "-r"]).stdout.toString().trim(),
    bun: Bun.version,
    redis,
    python,
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const fdLimit = raiseFdLimit();
  const info = machine();
  say(`machine: ${info.nproc} cores, ${info.cpuModel}, ${info.memoryGiB} GiB; Bun ${info.bun}; fd limit ${fdLimit}`);
  say(`config: ${JSON.stringify({ ...config, cells: undefined })}`);
  const failures: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (failure) {
      failures.push(`${what}: ${(failure as Error).message}`);
      say(`FAILED ${what}: ${(failure as Error).message}`);
    }
  };
  if (config.modes.includes("fanout"))
    for (const n of config.ns) for (const name of config.targets) if (cellsFor(name, n).length) await attempt(`fanout ${name} N=${n}`, () => runFanout(name, n));
  // Logins and idle connections are measured on single processes; the cluster's goals are fan-out and
  // latency, and redis with its senders subscribed differs from redis only in a fan-out.
  const single = config.targets.filter((name) => !TARGETS[name].nodes && !TARGETS[name].sendersHear);
  if (config.modes.includes("login")) for (const name of single) await attempt(`login ${name}`, () => runLogin(name));
  if (config.modes.includes("idle")) for (const name of single) await attempt(`idle ${name}`, () => runIdle(name));

  const finishedAt = new Date();
  const labels = Object.fromEntries(Object.entries(TARGETS).map(([k, v]) => [k, v.label]));
  const summary = summarize(rows as any[]);
  const doc = {
    command: `bun bench/run.ts ${argv.join(" ")}`.trim(),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine: { ...info, fdLimit },
    config: { ...config },
    labels,
    failures,
    summary,
    rows,
  };
  mkdirSync(config.out, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:]/g, "-").replace(/\..*/, "");
  const jsonPath = join(config.out, `${stamp}${quick ? "-quick" : ""}.json`);
  writeFileSync(jsonPath, JSON.stringify(doc, null, 1));
  const md = renderMarkdown(doc as any);
  writeFileSync(join(config.out, quick ? "latest-quick.md" : "latest.md"), md);
  console.log(`\n${md}`);
  say(`wrote ${jsonPath} and ${join(config.out, quick ? "latest-quick.md" : "latest.md")} in ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)}s`);
  if (failures.length) process.exitCode = 1;
}

await main();
cleanup();
// A generator's IPC channel can keep the event loop alive: the run is over, so leave.
process.exit(process.exitCode ?? 0);
