// Framing: requests joined, split, with and without a newline; what a bare-JSON client (a course client) reads.
import { post } from "./chat.ts";
import { answered } from "./describe.ts";
import { logIn } from "./login.ts";
import { isA, type Peer, type Received } from "./peer.ts";
import { check, type Evidence } from "./report.ts";
import type { Run } from "./run.ts";

const TOPIC = "framing";
const SILENT = "The course text says nothing on framing (how payloads are delimited on the stream, how long one may be), so this warns, never fails:";
/** The read most course clients make, `recv(4096)`, then one json.loads on what it returned. */
const COURSE_READ_BYTES = 4096;

export const FRAMING_CHECKS = {
  joined: check(TOPIC, "joined", "two requests in one TCP segment are both answered", `${SILENT} clients send bare json.dumps output, and two quick requests can share a segment.`, false),
  split: check(TOPIC, "split", "one request split across two segments is answered once", `${SILENT} TCP may split any write, and a server that parses each read alone answers the halves with errors.`, false),
  newline: check(TOPIC, "newline", "a request ending with a newline is answered once", `${SILENT} many clients end each request with \\n, which is not a request of its own.`, false),
  bare: check(TOPIC, "bare", "a request with no newline after it is answered", `${SILENT} course clients send bare json.dumps output and never a newline, so a server must not wait for one.`, false),
  oneRead: check(
    TOPIC,
    "one-per-read",
    "a bare-JSON client never gets two responses in one read",
    `${SILENT} most course clients json.loads each recv(4096) and crash when two responses share one read (pace them, one per write, some tens of ms apart).`,
    false,
  ),
  size: check(
    TOPIC,
    "read-size",
    `a bare-JSON client never gets a response over ${COURSE_READ_BYTES} bytes`,
    `${SILENT} most course clients read with recv(${COURSE_READ_BYTES}) and crash on a longer response (a long history, say; send its newest messages that fit).`,
    false,
  ),
};

const HELP = JSON.stringify({ request: "help", content: null });

/** The request-side probes, each on its own connection before anyone logs in; each lets a greeting pass first. */
export async function checkRequestFraming(run: Run): Promise<void> {
  await Promise.all([
    run.probe([FRAMING_CHECKS.joined], () => joined(run)),
    run.probe([FRAMING_CHECKS.split], () => split(run)),
    run.probe([FRAMING_CHECKS.newline], () => answeredOnce(run, FRAMING_CHECKS.newline, "line")),
    run.probe([FRAMING_CHECKS.bare], () => answeredOnce(run, FRAMING_CHECKS.bare, "bare")),
  ]);
}

async function joined(run: Run): Promise<void> {
  const peer = await run.connect("two helps in one write", "bare");
  await peer.quiet();
  await peer.sendRaw(HELP + HELP, 2);
  const first = await peer.next();
  const second = await peer.next();
  if (isA(first, "info") && isA(second, "info")) return run.report.pass(FRAMING_CHECKS.joined);
  run.report.broken(FRAMING_CHECKS.joined, `first ${answered(first, run.timeoutMs)}, second ${answered(second, run.timeoutMs)}`, [peer.evidence()]);
}

/** Pause between the halves, long enough for them to travel as two segments. */
const SPLIT_PAUSE_MS = 100;

async function split(run: Run): Promise<void> {
  const peer = await run.connect("help split in two writes", "bare");
  const middle = HELP.indexOf("help") + 2;
  await peer.quiet();
  await peer.sendRaw(HELP.slice(0, middle), 0);
  await Bun.sleep(SPLIT_PAUSE_MS);
  await peer.sendRaw(HELP.slice(middle));
  judgeSingleInfo(run, FRAMING_CHECKS.split, peer, await answers(peer));
}

async function answeredOnce(run: Run, spec: (typeof FRAMING_CHECKS)["newline"], framing: "line" | "bare"): Promise<void> {
  const peer = await run.connect(framing === "line" ? "help with a newline" : "help with no newline", framing);
  await peer.quiet();
  await peer.send({ request: "help", content: null });
  judgeSingleInfo(run, spec, peer, await answers(peer));
}

/** The first answer (bounded by the step timeout) and whatever follows it until the line is quiet. */
async function answers(peer: Peer): Promise<Received[]> {
  const first = await peer.next();
  return first ? [first, ...(await peer.takeUntilQuiet())] : [];
}

function judgeSingleInfo(run: Run, spec: (typeof FRAMING_CHECKS)["newline"], peer: Peer, got: Received[]): void {
  if (got.length === 1 && isA(got[0]!, "info")) return run.report.pass(spec);
  const what = got.length <= 1 ? answered(got[0] ?? null, run.timeoutMs) : `${got.length} responses instead of one`;
  run.report.broken(spec, what, [peer.evidence()]);
}

/** Messages long enough that five of them make a history no single course read can hold. */
const LONG_MESSAGE_COUNT = 5;
const LONG_MESSAGE_CHARS = 900;

function longMessage(index: number): string {
  const text = `ktn-check long history ${index + 1}/${LONG_MESSAGE_COUNT}: `;
  return text + "the quick brown fox jumps over the lazy dog. ".repeat(30).slice(0, LONG_MESSAGE_CHARS - text.length);
}

/**
 * Makes the history longer than one course read, then has a bare-JSON user log in to get it.
 * Stops posting at the first message the server does not deliver (it may refuse long ones).
 */
export async function provokeLongHistory(run: Run, poster: Peer, observer: Peer): Promise<void> {
  for (let i = 0; i < LONG_MESSAGE_COUNT; i++) if (!(await post(poster, observer, longMessage(i)))) break;
  await logIn(run, await run.connect("a long history", "bare"));
}

/** What every bare-JSON connection of the run read: never two responses at once, never one too long. */
export function judgeBareReads(run: Run): void {
  const bare = run.peers.filter((peer) => peer.framing === "bare");
  const mixed: Evidence[] = [];
  const long: Evidence[] = [];
  let largest = 0;
  for (const peer of bare) {
    for (const read of peer.mixedReads.slice(0, 1)) mixed.push(evidenceOfRead(peer, read));
    for (const received of peer.received) {
      largest = Math.max(largest, received.size);
      if (received.size > COURSE_READ_BYTES && long.length < 2) long.push(peer.evidenceOf(received));
    }
  }
  const reads = bare.reduce((sum, peer) => sum + peer.transcript.filter((entry) => entry.direction === "received").length, 0);
  const stalled = bare.reduce((sum, peer) => sum + peer.stalledReads.length, 0);
  if (reads === 0) {
    for (const spec of [FRAMING_CHECKS.oneRead, FRAMING_CHECKS.size]) run.report.broken(spec, "nothing to judge: no bare-JSON connection got a response");
    return;
  }
  const uncounted = stalled > 0 ? `; ${stalled} joined reads not counted: the checker itself had stalled, so they may have waited on its side` : "";
  if (mixed.length === 0) run.report.pass(FRAMING_CHECKS.oneRead, `${reads} reads on ${bare.length} bare-JSON connections${uncounted}`);
  else run.report.broken(FRAMING_CHECKS.oneRead, `${mixed.length} of ${bare.length} bare-JSON connections got a read holding parts of two or more responses`, mixed.slice(0, 2));
  if (long.length === 0) run.report.pass(FRAMING_CHECKS.size, `the largest was ${largest} bytes`);
  else run.report.broken(FRAMING_CHECKS.size, `the largest was ${largest} bytes`, long);
}

function evidenceOfRead(peer: Peer, read: number): Evidence {
  return peer.evidence(Math.max(0, read - 3), read + 1);
}
