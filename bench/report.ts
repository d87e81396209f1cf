// Summaries and the markdown table of a benchmark run (bench/run.ts writes both).

type AnyRow = Record<string, any>;

export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

interface Stat {
  median: number;
  min: number;
  max: number;
}
function stat(values: number[]): Stat {
  const v = values.filter((x) => Number.isFinite(x));
  return { median: median(v), min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN };
}

export interface FanoutSummary {
  target: string;
  receivers: number;
  senders: number;
  window: number;
  runs: number;
  deliveriesPerSec: Stat;
  ratioToRedis: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  serverCpuUsPerDelivery: number;
  serverCoreShare: number;
  genCoreShare: number;
  genSaturatedRuns: number;
  errors: number;
  timedOutRuns: number;
}

export function summarize(rows: AnyRow[]) {
  const fanout: FanoutSummary[] = [];
  const groups = new Map<string, AnyRow[]>();
  for (const row of rows.filter((r) => r.mode === "fanout")) {
    const key = `${row.target}|${row.receivers}|${row.senders}|${row.window}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const [key, list] of groups) {
    const [target, n, s, w] = key.split("|");
    fanout.push({
      target: target!,
      receivers: Number(n),
      senders: Number(s),
      window: Number(w),
      runs: list.length,
      deliveriesPerSec: stat(list.map((r) => r.deliveriesPerSec)),
      ratioToRedis: NaN,
      p50Us: median(list.map((r) => r.latencyUs.p50)),
      p99Us: median(list.map((r) => r.latencyUs.p99)),
      maxUs: Math.max(...list.map((r) => r.latencyUs.max)),
      serverCpuUsPerDelivery: median(list.map((r) => r.serverCpuUsPerDelivery)),
      serverCoreShare: median(list.map((r) => r.serverCoreShare)),
      genCoreShare: median(list.map((r) => r.genCoreShare)),
      genSaturatedRuns: list.filter((r) => r.genSaturated).length,
      errors: list.reduce((sum, r) => sum + r.lost + r.duplicated + r.outOfOrder, 0),
      timedOutRuns: list.filter((r) => r.timedOut).length,
    });
  }
  for (const row of fanout) {
    const redis = fanout.find((r) => r.target === "redis" && r.receivers === row.receivers && r.senders === row.senders && r.window === row.window);
    row.ratioToRedis = redis ? row.deliveriesPerSec.median / redis.deliveriesPerSec.median : NaN;
  }
  const login: AnyRow[] = [];
  const loginGroups = new Map<string, AnyRow[]>();
  for (const row of rows.filter((r) => r.mode === "login")) {
    const key = `${row.target}|${row.concurrency}`;
    loginGroups.set(key, [...(loginGroups.get(key) ?? []), row]);
  }
  for (const [key, list] of loginGroups) {
    const [target, k] = key.split("|");
    login.push({
      target,
      concurrency: Number(k),
      runs: list.length,
      perSec: stat(list.map((r) => r.perSec)),
      p50Us: median(list.map((r) => r.latencyUs.p50)),
      p99Us: median(list.map((r) => r.latencyUs.p99)),
      failed: list.reduce((sum, r) => sum + r.failed, 0),
      genCoreShare: median(list.map((r) => r.genCoreShare)),
      genSaturatedRuns: list.filter((r) => r.genSaturated).length,
      ratioToRedis: NaN,
    });
  }
  for (const row of login) {
    const redis = login.find((r) => r.target === "redis" && r.concurrency === row.concurrency);
    row.ratioToRedis = redis ? row.perSec.median / redis.perSec.median : NaN;
  }
  const idle = rows.filter((r) => r.mode === "idle");
  return { fanout, login, idle, targets: checkTargets(fanout, login, idle) };
}

function find(fanout: FanoutSummary[], target: string, n: number, s: number, w: number) {
  return fanout.find((r) => r.target === target && r.receivers === n && r.senders === s && r.window === w);
}

/**
 * ktn-chat's ratio to redis in each N=1000 cell of the last full run before group commit
 * (bench/results/2026-11-25T20-25-59.json, then with `--db :memory:`): "no worse than before" means
 * at least 0.9× that ratio (the spread of repetitions on this machine), history file and all.
 */
const N1000_RATIO_BEFORE: Record<string, number> = { "1x1": 1.034, "1x32": 1.54, "8x1": 1.088, "8x32": 1.834 };
const WITHIN_NOISE = 0.9;

/** The issue's targets, each with the measured figure and whether we meet it. */
function checkTargets(fanout: FanoutSummary[], login: AnyRow[], idle: AnyRow[]) {
  const out: { target: string; measured: string; met: boolean | null }[] = [];
  const add = (target: string, measured: string, met: boolean | null) => out.push({ target, measured, met });
  smallRoomTargets(fanout, add);
  clusterTargets(fanout, add);
  const k1 = find(fanout, "ktn", 1000, 8, 1);
  add("fan-out N=1000 S=8 W=1 ≥ 1.0× redis deliveries/s", k1 ? `${fmtRatio(k1.ratioToRedis)} (${fmtRate(k1.deliveriesPerSec.median)}/s)` : "not run", k1 ? k1.ratioToRedis >= 1.0 : null);
  add("fan-out N=1000 S=8 W=1 ≤ 3.5 µs server CPU/delivery", k1 ? `${k1.serverCpuUsPerDelivery.toFixed(2)} µs` : "not run", k1 ? k1.serverCpuUsPerDelivery <= 3.5 : null);
  const k2 = find(fanout, "ktn", 1000, 1, 32);
  add("fan-out N=1000 S=1 W=32 ≥ 0.9× redis", k2 ? `${fmtRatio(k2.ratioToRedis)} (${fmtRate(k2.deliveriesPerSec.median)}/s)` : "not run", k2 ? k2.ratioToRedis >= 0.9 : null);
  const k3 = find(fanout, "ktn", 10, 1, 1);
  add("p99 latency N=10 S=1 W=1 ≤ 0.5 ms", k3 ? `${(k3.p99Us / 1000).toFixed(3)} ms` : "not run", k3 ? k3.p99Us <= 500 : null);
  const i10 = idle.filter((r) => r.target === "ktn").sort((a, b) => b.connections - a.connections)[0];
  add(
    "10,000 idle logged-in connections, 0 failures, ≤ 4 KiB RSS each",
    i10 ? `${i10.aliveAfterSettle}/${i10.connections} held, ${i10.failed} failed, ${i10.rssPerConnKiB.toFixed(2)} KiB each` : "not run",
    i10 ? i10.connections >= 10000 && i10.failed === 0 && i10.rssPerConnKiB <= 4 : null,
  );
  const l32 = login.find((r) => r.target === "ktn" && r.concurrency === 32);
  add("logins K=32 ≥ 0.7× redis connect+subscribe", l32 ? `${fmtRatio(l32.ratioToRedis)} (${fmtRate(l32.perSec.median)}/s)` : "not run", l32 ? l32.ratioToRedis >= 0.7 : null);
  for (const w of [1, 32]) {
    const ktn = find(fanout, "ktn", 1000, 8, w);
    const py = find(fanout, "python", 1000, 8, w);
    const ratio = ktn && py ? ktn.deliveriesPerSec.median / py.deliveriesPerSec.median : NaN;
    add(`≥ 5× Python baseline at N=1000 S=8 W=${w}`, ktn && py ? `${ratio.toFixed(1)}×` : "not run", ktn && py ? ratio >= 5 : null);
  }
  const errs = fanout.filter((r) => r.target === "ktn").reduce((sum, r) => sum + r.errors, 0);
  const allErrs = fanout.reduce((sum, r) => sum + r.errors, 0);
  add("0 lost / duplicated / out-of-order in every run", `ktn-chat ${errs}, all targets ${allErrs}`, fanout.length ? allErrs === 0 : null);
  return out;
}

/** Issue 13: small rooms, as users run the server (history file), against redis and against `--db :memory:`. */
function smallRoomTargets(fanout: FanoutSummary[], add: (target: string, measured: string, met: boolean | null) => void): void {
  const file = find(fanout, "ktn", 10, 8, 32);
  const memory = find(fanout, "ktnmem", 10, 8, 32);
  const raw = find(fanout, "raw", 10, 8, 32);
  add("N=10 S=8 W=32, history file ≥ 0.9× redis deliveries/s", file ? `${fmtRatio(file.ratioToRedis)} (${fmtRate(file.deliveriesPerSec.median)}/s)${ceiling([memory, raw], (row) => fmtRatio(row.ratioToRedis))}` : "not run", file ? file.ratioToRedis >= 0.9 : null);
  const toMemory = file && memory ? file.deliveriesPerSec.median / memory.deliveriesPerSec.median : NaN;
  add("N=10 S=8 W=32, history file ≥ 0.9× ktn-chat --db :memory:", file && memory ? `${fmtRatio(toMemory)} (${fmtRate(file.deliveriesPerSec.median)}/s against ${fmtRate(memory.deliveriesPerSec.median)}/s)` : "not run", file && memory ? toMemory >= 0.9 : null);
  const latency = find(fanout, "ktn", 10, 1, 1);
  const redis = find(fanout, "redis", 10, 1, 1);
  const p99Ratio = latency && redis ? latency.p99Us / redis.p99Us : NaN;
  const others = [find(fanout, "ktnmem", 10, 1, 1), find(fanout, "raw", 10, 1, 1)];
  add("N=10 S=1 W=1, history file: p99 ≤ 1.2× redis p99", latency && redis ? `${fmtRatio(p99Ratio)} (${fmtUs(latency.p99Us)} against ${fmtUs(redis.p99Us)})${ceiling(others, (row) => fmtRatio(row.p99Us / redis.p99Us))}` : "not run", latency && redis ? p99Ratio <= 1.2 : null);
  // KTN sends each message to its author as well: against redis sending the same N + S copies.
  for (const [s, w] of [[8, 32], [1, 1]] as const) {
    const ktn = find(fanout, "ktn", 10, s, w);
    const heard = find(fanout, "redisheard", 10, s, w);
    const measured = ktn && heard ? `${fmtRatio(ktn.deliveriesPerSec.median / heard.deliveriesPerSec.median)} deliveries/s, p99 ${fmtRatio(ktn.p99Us / heard.p99Us)} (${fmtUs(ktn.p99Us)} against ${fmtUs(heard.p99Us)})` : "not run";
    add(`N=10 S=${s} W=${w}, history file against redis with its senders subscribed too, the same N + S copies (no goal set)`, measured, null);
  }
  for (const [cell, before] of Object.entries(N1000_RATIO_BEFORE)) {
    const [s, w] = cell.split("x").map(Number);
    const now = find(fanout, "ktn", 1000, s!, w!);
    add(
      `N=1000 S=${s} W=${w}, history file: no worse than before (≥ ${WITHIN_NOISE} × ${fmtRatio(before)} redis)`,
      now ? `${fmtRatio(now.ratioToRedis)} (${fmtRate(now.deliveriesPerSec.median)}/s)` : "not run",
      now ? now.ratioToRedis >= WITHIN_NOISE * before : null,
    );
  }
}

/**
 * The same figure for `--db :memory:` and the raw Bun baseline (no JSON, nothing kept), where they ran:
 * a target the raw baseline misses on this machine, in this run, is beyond what the runtime gives.
 */
function ceiling(rows: (FanoutSummary | undefined)[], figure: (row: FanoutSummary) => string): string {
  const label: Record<string, string> = { ktnmem: "--db :memory:", raw: "raw Bun baseline" };
  const parts = rows.filter((row) => row !== undefined).map((row) => `${label[row.target]} ${figure(row)}`);
  return parts.length > 0 ? `; in this run ${parts.join(", ")}` : "";
}

/** Issue 14: a node on Redis against a node on its own (both as users run them), and two nodes on one port. */
function clusterTargets(fanout: FanoutSummary[], add: (target: string, measured: string, met: boolean | null) => void): void {
  const against = (target: string, n: number, s: number, w: number) => {
    const cluster = find(fanout, target, n, s, w);
    const single = find(fanout, "ktn", n, s, w);
    const ratio = cluster && single ? cluster.deliveriesPerSec.median / single.deliveriesPerSec.median : NaN;
    const measured = cluster && single ? `${fmtRatio(ratio)} (${fmtRate(cluster.deliveriesPerSec.median)}/s against ${fmtRate(single.deliveriesPerSec.median)}/s; ${cluster.serverCpuUsPerDelivery.toFixed(2)} against ${single.serverCpuUsPerDelivery.toFixed(2)} µs CPU/delivery)` : "not run";
    return { cluster, ratio, measured };
  };
  for (const [n, s, w] of [[1000, 8, 1], [10, 1, 1]] as const) {
    const { cluster, ratio, measured } = against("cluster1", n, s, w);
    add(`cluster, 1 node + redis, N=${n} S=${s} W=${w}: ≥ 0.7× one node without Redis`, measured, cluster ? ratio >= 0.7 : null);
  }
  const small = find(fanout, "cluster1", 10, 1, 1);
  add("cluster, 1 node + redis, N=10 S=1 W=1: p99 ≤ 1 ms", small ? fmtUs(small.p99Us) : "not run", small ? small.p99Us <= 1000 : null);
  add("cluster, 2 nodes on one port + redis, N=1000 S=8 W=1, against one node without Redis (no goal set)", against("cluster2", 1000, 8, 1).measured, null);
}

function fmtRate(x: number): string {
  if (!Number.isFinite(x)) return "–";
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}
function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : "–";
}
function fmtUs(x: number): string {
  if (!Number.isFinite(x)) return "–";
  return x >= 10_000 ? `${(x / 1000).toFixed(0)}ms` : x >= 1000 ? `${(x / 1000).toFixed(1)}ms` : `${Math.round(x)}µs`;
}

export function renderMarkdown(doc: AnyRow): string {
  const { summary, machine, labels } = doc;
  const targets: string[] = doc.config.targets;
  const lines: string[] = [];
  lines.push(`# ktn-chat benchmark — ${doc.startedAt.slice(0, 10)}`, "");
  lines.push(`Command: \`${doc.command}\` · ${doc.startedAt} → ${doc.finishedAt}`);
  lines.push(
    `Machine: ${machine.nproc} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel}; Bun ${machine.bun}; ${machine.redis.split(" ").slice(0, 3).join(" ")}; ${machine.python}.`,
  );
  lines.push(
    `Generator: one Bun process holds the N receivers and the S senders (no extra hop for the window); a cell's S senders log in just before it and out after it, so a room holds exactly N + S users; ${doc.config.payloadBytes}-byte payloads; ${doc.config.reps} repetitions of ~${doc.config.secs}s per cell; median [min–max]. ` +
      `"gen" is the generator's share of one core; ⚠ marks cells where it saturated a core (> 90%) in any repetition, i.e. the figure may be the generator's limit, not the target's. ` +
      `ktn-chat runs as users run it, with its SQLite history file (a fresh temp file per run, deleted after), and beside it with \`--db :memory:\`; both with \`--flood-rate 0\`. ` +
      `The cluster targets run one or two nodes (\`--redis\`, two sharing one port with \`--reuse-port\`, receivers spread across both by the kernel) on a redis-server of their own with appendonly on; their "server" CPU is the nodes and redis-server together. Baselines (redis, raw Bun, Python threads) are labelled; the ktn-chat server also echoes every message to its S senders (the protocol includes the author), which is not counted as a delivery; "redis pub/sub, senders subscribed too" gives each sender a subscription of its own, so redis sends the same N + S copies (not counted either).`,
  );
  lines.push("");
  if (doc.failures?.length) lines.push(`**Failures:** ${doc.failures.join("; ")}`, "");

  lines.push("## Targets", "", "| target | measured | met |", "| --- | --- | --- |");
  for (const t of summary.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met === null ? "–" : t.met ? "yes" : "**no**"} |`);
  lines.push("");

  lines.push("## Fan-out: deliveries/s (median [min–max], ratio to redis)", "");
  lines.push(`| N | S | W | ${targets.map((t) => labels[t]).join(" | ")} |`);
  lines.push(`| --- | --- | --- | ${targets.map(() => "---").join(" | ")} |`);
  const combos = [...new Set(summary.fanout.map((r: FanoutSummary) => `${r.receivers}|${r.senders}|${r.window}`))] as string[];
  combos.sort((a, b) => {
    const [an, as, aw] = a.split("|").map(Number);
    const [bn, bs, bw] = b.split("|").map(Number);
    return an! - bn! || as! - bs! || aw! - bw!;
  });
  for (const combo of combos) {
    const [n, s, w] = combo.split("|").map(Number);
    const cells = targets.map((t) => {
      const r = find(summary.fanout, t, n!, s!, w!);
      if (!r) return "–";
      const flags = `${r.genSaturatedRuns ? " ⚠" : ""}${r.errors ? ` **ERR ${r.errors}**` : ""}${r.timedOutRuns ? " **TIMEOUT**" : ""}`;
      return `${fmtRate(r.deliveriesPerSec.median)} [${fmtRate(r.deliveriesPerSec.min)}–${fmtRate(r.deliveriesPerSec.max)}] ${t === "redis" ? "" : fmtRatio(r.ratioToRedis)}${flags}`;
    });
    lines.push(`| ${n} | ${s} | ${w} | ${cells.join(" | ")} |`);
  }
  lines.push("");

  lines.push("## Fan-out: latency p50 / p99 / max, server CPU per delivery, core shares (medians)", "");
  lines.push("| N | S | W | target | p50 | p99 | max | server µs/delivery | server core | gen core | lost/dup/ooo |");
  lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const combo of combos) {
    const [n, s, w] = combo.split("|").map(Number);
    for (const t of targets) {
      const r = find(summary.fanout, t, n!, s!, w!);
      if (!r) continue;
      lines.push(
        `| ${n} | ${s} | ${w} | ${labels[t]} | ${fmtUs(r.p50Us)} | ${fmtUs(r.p99Us)} | ${fmtUs(r.maxUs)} | ${r.serverCpuUsPerDelivery.toFixed(2)} | ${Math.round(r.serverCoreShare * 100)}% | ${Math.round(r.genCoreShare * 100)}%${r.genSaturatedRuns ? " ⚠" : ""} | ${r.errors} |`,
      );
    }
  }
  lines.push("");

  if (summary.login.length) {
    lines.push("## Login rate: connect → login → history (redis: connect → SUBSCRIBE → reply), round trips/s", "");
    lines.push("| K | target | per second (median [min–max]) | ratio to redis | p50 | p99 | failed | gen core |");
    lines.push("| --- | --- | --- | --- | --- | --- | --- | --- |");
    const sorted = [...summary.login].sort((a, b) => a.concurrency - b.concurrency || targets.indexOf(a.target) - targets.indexOf(b.target));
    for (const r of sorted)
      lines.push(
        `| ${r.concurrency} | ${labels[r.target]} | ${fmtRate(r.perSec.median)} [${fmtRate(r.perSec.min)}–${fmtRate(r.perSec.max)}] | ${fmtRatio(r.ratioToRedis)} | ${fmtUs(r.p50Us)} | ${fmtUs(r.p99Us)} | ${r.failed} | ${Math.round(r.genCoreShare * 100)}%${r.genSaturatedRuns ? " ⚠" : ""} |`,
      );
    lines.push("");
  }

  if (summary.idle.length) {
    lines.push("## Idle capacity: C logged-in idle connections (one run each, grown 1k → 5k → 10k on one server per target)", "");
    lines.push("RSS is read once it has settled (after at least 6 s, once it changed < 1% over two 1 s steps; at most 20 s); per connection = (RSS after − RSS of the fresh server) / C.", "");
    lines.push("| target | C | held after settling | failed | time to log in all | server RSS before → after | RSS per connection |");
    lines.push("| --- | --- | --- | --- | --- | --- | --- |");
    for (const r of summary.idle)
      lines.push(
        `| ${labels[r.target]} | ${r.connections} | ${r.aliveAfterSettle} | ${r.failed} | ${r.setupSec.toFixed(1)}s | ${(r.rssBeforeKiB / 1024).toFixed(1)} → ${(r.rssAfterKiB / 1024).toFixed(1)} MiB | ${r.rssPerConnKiB.toFixed(2)} KiB |`,
      );
    lines.push("");
  }
  return lines.join("\n");
}
