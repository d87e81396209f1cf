// The report: every check's verdict with what was sent and the exact bytes that came back, as text or JSON.
import pc from "picocolors";

export type Verdict = "pass" | "fail" | "warn";

/** One rule the checker judges. `strict`: the course text makes it a rule, so breaking it fails; else it warns. */
export interface CheckSpec {
  id: string;
  topic: string;
  title: string;
  /** Why the rule holds and where it comes from; shown with every fail and warn. */
  why: string;
  strict: boolean;
}

/** Declares a check; its `id` (`before-login.refused`) is stable, for CI. */
export function check(topic: string, key: string, title: string, why: string, strict = true): CheckSpec {
  return { id: `${topic.replaceAll(" ", "-")}.${key}`, topic, title, why, strict };
}

/** One write or one read, exactly as it crossed the wire. */
export interface Entry {
  direction: "sent" | "received";
  bytes: Uint8Array;
}

/** What one connection exchanged while a check looked. */
export interface Evidence {
  label: string;
  entries: Entry[];
}

export interface Outcome {
  spec: CheckSpec;
  verdict: Verdict;
  detail: string;
  evidence: Evidence[];
}

const RANK: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };

export class Report {
  private readonly outcomes = new Map<string, Outcome>();

  constructor(readonly specs: readonly CheckSpec[]) {}

  pass(spec: CheckSpec, detail = ""): void {
    this.record(spec, "pass", detail, []);
  }

  /** Breaking a strict rule fails; breaking any other is a warning. */
  broken(spec: CheckSpec, detail: string, evidence: Evidence[] = []): void {
    this.record(spec, spec.strict ? "fail" : "warn", detail, evidence);
  }

  warn(spec: CheckSpec, detail: string, evidence: Evidence[] = []): void {
    this.record(spec, "warn", detail, evidence);
  }

  judged(spec: CheckSpec): boolean {
    return this.outcomes.has(spec.id);
  }

  /** A check judged more than once (once per login, say) keeps its worst verdict and every detail. */
  private record(spec: CheckSpec, verdict: Verdict, detail: string, evidence: Evidence[]): void {
    const earlier = this.outcomes.get(spec.id);
    if (!earlier) return void this.outcomes.set(spec.id, { spec, verdict, detail, evidence });
    if (verdict === "pass" && earlier.verdict === "pass" && !earlier.detail) earlier.detail = detail;
    else if (RANK[verdict] > RANK[earlier.verdict]) {
      this.outcomes.set(spec.id, { spec, verdict, detail, evidence: [...evidence, ...earlier.evidence] });
    } else if (verdict !== "pass" && verdict === earlier.verdict) {
      earlier.detail = `${earlier.detail}; ${detail}`;
      earlier.evidence.push(...evidence);
    }
  }

  /** Every check in catalogue order; one that was never judged failed to run, which is a failure. */
  results(): Outcome[] {
    return this.specs.map(
      (spec) => this.outcomes.get(spec.id) ?? { spec, verdict: "fail", detail: "not judged: the run did not get this far", evidence: [] },
    );
  }
}

interface Summary {
  passed: number;
  failed: number;
  warnings: number;
}

function summarize(outcomes: readonly Outcome[]): Summary {
  const count = (verdict: Verdict) => outcomes.filter((outcome) => outcome.verdict === verdict).length;
  return { passed: count("pass"), failed: count("fail"), warnings: count("warn") };
}

/** 0 when nothing failed, 1 when something did (warnings do not fail a run). */
export function exitCode(outcomes: readonly Outcome[]): number {
  return summarize(outcomes).failed > 0 ? 1 : 0;
}

function summaryLine({ passed, failed, warnings }: Summary): string {
  return `${passed} passed, ${failed} failed, ${warnings} warning${warnings === 1 ? "" : "s"}`;
}

/** Long reads (a history) are cut in the text report; the JSON report keeps them whole. */
const SHOWN_BYTES = 600;
/** Enough to see what went wrong without burying the next check. */
const SHOWN_ENTRIES = 12;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bytes as printable text: control characters escaped (`\n` stays visible), bytes that are not UTF-8 as `\xNN`. */
function showBytes(bytes: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return [...bytes].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`)).join("");
  }
  return text.replace(/[\u0000-\u001f\u007f]/g, (char) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

function shorten(bytes: Uint8Array): string {
  if (bytes.length <= SHOWN_BYTES) return showBytes(bytes);
  return `${showBytes(bytes.subarray(0, SHOWN_BYTES))}… (${bytes.length} bytes in all)`;
}

const MARK: Record<Verdict, string> = { pass: "✓", fail: "✗", warn: "!" };

/** The human report: grouped by topic, fails and warns with their reason and their bytes, then the summary line. */
export function formatText(title: string, outcomes: readonly Outcome[], color: boolean): string {
  const c = pc.createColors(color);
  const paint: Record<Verdict, (text: string) => string> = { pass: c.green, fail: c.red, warn: c.yellow };
  const lines = [c.bold(title)];
  let topic = "";
  for (const { spec, verdict, detail, evidence } of outcomes) {
    if (spec.topic !== topic) {
      topic = spec.topic;
      lines.push("", c.bold(topic));
    }
    lines.push(`  ${paint[verdict](MARK[verdict])} ${spec.title}${detail ? c.dim(` — ${detail}`) : ""}`);
    if (verdict === "pass") continue;
    lines.push(`      ${c.dim("why:")} ${spec.why}`);
    for (const { label, entries } of evidence) {
      lines.push(`      ${c.cyan(label)}`);
      const shown = entries.slice(-SHOWN_ENTRIES);
      if (shown.length < entries.length) lines.push(c.dim(`        … ${entries.length - shown.length} earlier writes and reads`));
      for (const entry of shown) lines.push(`        ${entry.direction === "sent" ? c.dim("→") : c.dim("←")} ${shorten(entry.bytes)}`);
    }
  }
  const summary = summarize(outcomes);
  lines.push("", paint[summary.failed > 0 ? "fail" : summary.warnings > 0 ? "warn" : "pass"](summaryLine(summary)));
  return lines.join("\n") + "\n";
}

/** The same report for CI: every read and write whole, as text (bytes that are not UTF-8 shown as U+FFFD). */
export function formatJson(target: string, outcomes: readonly Outcome[], durationMs: number): string {
  const lossy = new TextDecoder();
  return JSON.stringify(
    {
      target,
      durationMs: Math.round(durationMs),
      summary: summarize(outcomes),
      checks: outcomes.map(({ spec, verdict, detail, evidence }) => ({
        id: spec.id,
        topic: spec.topic,
        title: spec.title,
        why: spec.why,
        verdict,
        detail,
        evidence: evidence.map(({ label, entries }) => ({
          label,
          entries: entries.map(({ direction, bytes }) => ({ direction, text: lossy.decode(bytes), bytes: bytes.length })),
        })),
      })),
    },
    null,
    2,
  ) + "\n";
}
