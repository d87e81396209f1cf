// Hard cases: responses a client meets on other people's servers, put to the client under test one by one.
import { history, info, message } from "../protocol/responses.ts";
import { check, type CheckSpec, type Report } from "./report.ts";

const TOPIC = "hard cases";
const SEE = "The grader sees only that the connection stayed open; how the client showed it, you see on its screen.";
const STANDARD = (why: string) => `${why} So a client that dies on it fails. ${SEE}`;
const HAZARD = (why: string) => `${why} So a client that dies on it gets a warning. ${SEE}`;
const FRAMING = "The course text says nothing on framing, but TCP does this and servers do it.";

export const HARD_CASE_CHECKS = {
  strings: check(TOPIC, "history-strings", "survives a history of JSON strings (its login's answer)", STANDARD("The course hint: each history entry is JSON-decoded again, and most servers send strings."), true),
  split: check(TOPIC, "split", "survives a response split across two segments, inside a UTF-8 character", HAZARD(FRAMING), false),
  joined: check(TOPIC, "joined", "survives two responses in one segment with no delimiter", HAZARD(FRAMING), false),
  objects: check(TOPIC, "history-objects", "survives a history of objects", STANDARD("The course text: history holds the message responses 'as JSON objects'."), true),
  empty: check(TOPIC, "history-empty", "survives an empty history", STANDARD("The course text: history lists the earlier messages, and a new server has none."), true),
  long: check(TOPIC, "history-long", "survives a history over 4096 bytes", HAZARD("The course text puts no bound on history; a client reading 4096 bytes at a time must join the reads."), false),
  type: check(TOPIC, "unknown-type", "survives a response type outside the four", HAZARD("Outside the standard, but servers send them (\"names\", \"Message\")."), false),
  timestamp: check(TOPIC, "numeric-timestamp", "survives a numeric timestamp", HAZARD("Outside the standard (the timestamp is a string), but servers send seconds since 1970."), false),
  reading: check(
    TOPIC,
    "kept-reading",
    "went on reading to the end: it closed with nothing left unread",
    "A client whose reader died on some response (a thread that threw) keeps its connection open, so only its close tells: " +
      "a close with bytes still unread is a reset. Which response killed the reader, its screen shows (the last hard case it printed). " +
      "Not tied to one case of the standard, so a warning.",
    false,
  ),
};

/** The checks of the cases put to the client, in their order. */
const TOURED = Object.values(HARD_CASE_CHECKS).filter((spec) => spec !== HARD_CASE_CHECKS.reading);

/** One hard case: the writes that make it, the first right away and each next one a moment later. */
export interface HardCase {
  spec: CheckSpec;
  writes: Uint8Array[];
}

const COUNT = TOURED.length;
const SENDER = "ktncheck";
const bytes = (text: string) => new TextEncoder().encode(text);
const line = (response: unknown) => bytes(JSON.stringify(response) + "\n");
const label = (spec: CheckSpec, what: string) => `ktn-check hard case ${TOURED.indexOf(spec) + 1}/${COUNT}: ${what}`;

/** The answer to the client's login: the info, then the history as JSON strings (the first hard case). */
export function loginAnswer(username: string): HardCase[] {
  const earlier = [1, 2].map((n) => JSON.stringify(message(SENDER, label(HARD_CASE_CHECKS.strings, `history entry ${n} of 2, as a JSON string`))));
  return [
    { spec: HARD_CASE_CHECKS.strings, writes: [line(info(`Login successful. Welcome, ${username}! The hard cases follow.`))] },
    { spec: HARD_CASE_CHECKS.strings, writes: [line(history(earlier))] },
  ];
}

/** Every other hard case, in the order they are put. */
export function tour(): HardCase[] {
  const { split, joined, objects, empty, long, type, timestamp } = HARD_CASE_CHECKS;
  const splitLine = line(info(label(split, "this info came in two segments, cut inside the å of blåbærsyltetøy")));
  const cut = Buffer.from(splitLine).indexOf(Buffer.from("å")) + 1;
  const entries = (spec: CheckSpec, count: number, what: string) => Array.from({ length: count }, (_, n) => message(SENDER, label(spec, `${what} ${n + 1} of ${count}`)));
  return [
    { spec: split, writes: [splitLine.subarray(0, cut), splitLine.subarray(cut)] },
    { spec: joined, writes: [bytes(JSON.stringify(info(label(joined, "first of two in one segment"))) + JSON.stringify(info(label(joined, "second of two in one segment"))))] },
    { spec: objects, writes: [line({ ...history([]), content: entries(objects, 2, "history entry, as an object") })] },
    { spec: empty, writes: [line(info(label(empty, "an empty history comes next"))), line(history([]))] },
    { spec: long, writes: [line(history(entries(long, 20, `${"long ".repeat(40)}history, entry`).map((entry) => JSON.stringify(entry))))] },
    { spec: type, writes: [line({ ...info(label(type, "the response type of this one is \"notice\"")), response: "notice" })] },
    { spec: timestamp, writes: [line({ ...info(label(timestamp, "this info's timestamp is a number")), timestamp: Math.floor(Date.now() / 1000) })] },
  ];
}

/** One write the grading server made, and the hard case it belonged to. */
export interface Write {
  at: number;
  spec: CheckSpec | null;
  bytes: Uint8Array;
}

/**
 * How the session ended: `at` the moment, `byClient` unless the grading server closed it,
 * `afterLogout` if the client had asked to leave, `reset` if it closed with bytes it never read.
 */
export interface Ending {
  at: number;
  byClient: boolean;
  afterLogout: boolean;
  reset: boolean;
}

/** A close this soon after a hard case, with nothing else written in between, is blamed on it. */
const BLAME_MS = 1000;

export function judgeHardCases(report: Report, writes: readonly Write[], ending: Ending | null): void {
  const crash = ending && ending.byClient && !ending.afterLogout ? ending : null;
  const lastBefore = crash ? writes.filter((write) => write.at <= crash.at).at(-1) : undefined;
  const blamed = lastBefore?.spec && crash!.at - lastBefore.at <= BLAME_MS ? lastBefore.spec : null;
  judgeReading(report, ending);
  const loggedIn = writes.some((write) => write.spec !== null);
  for (const spec of TOURED) {
    const put = writes.filter((write) => write.spec === spec);
    if (put.length === 0) report.warn(spec, loggedIn ? "not put: the client had left" : "not put: the client never logged in");
    else if (spec === blamed) {
      const evidence = { label: "what the grader wrote for this case, write by write", entries: put.map(({ bytes }) => ({ direction: "sent" as const, bytes })) };
      report.broken(spec, `the client closed the connection ${Math.round(crash!.at - put.at(-1)!.at)} ms after it`, [evidence]);
    }
    else report.pass(spec, `the connection stayed open (case ${TOURED.indexOf(spec) + 1}/${COUNT} on its screen shows how it drew it)`);
  }
}

function judgeReading(report: Report, ending: Ending | null): void {
  const spec = HARD_CASE_CHECKS.reading;
  if (ending?.reset) return report.broken(spec, "the connection was reset with responses still unread: the client stopped reading at some point");
  if (!ending) return report.warn(spec, "not seen: no client connected");
  if (ending.byClient) return report.pass(spec, "it read everything it was sent, then closed");
  report.pass(spec, "not seen: the grader closed the connection first, so TCP could not tell");
}
