// Login: a valid name is answered, not with an error, then a history of the earlier messages; a taken name is refused.
import { fields, type LoginAnswer, type Peer } from "./peer.ts";
import { check } from "./report.ts";
import type { Run } from "./run.ts";
import { decodeEntry } from "./structure.ts";
import { asObject, describe } from "./describe.ts";

const TOPIC = "login";

export const LOGIN_CHECKS = {
  answered: check(
    TOPIC,
    "answered",
    "a login with a valid name is answered, not with an error",
    "The course text: the server always sends a response back, and a name of letters A-Z, a-z and digits 0-9 is a valid username.",
  ),
  history: check(
    TOPIC,
    "history",
    "a login is followed by a history: a list of message responses, earlier messages oldest first",
    "The course text: after a successful login the client receives the history, a list of all the message responses the server issued before. " +
      "Entries may be JSON strings (the course hint JSON-decodes each one again) or objects (the text says 'as JSON objects'); " +
      "most course clients decode each entry, so objects, though allowed, are a warning.",
  ),
  taken: check(
    TOPIC,
    "taken",
    "a name already taken is refused with an error",
    "The course text implies it (its example error is 'Username taken') without stating it as a rule, so accepting a taken name is a warning: " +
      "two users with one name cannot be told apart.",
    false,
  ),
};

/** Logs a fresh user in on `peer` and judges the answer; true when the user is logged in. */
export async function logIn(run: Run, peer: Peer, earlier: readonly string[] = []): Promise<boolean> {
  const mark = peer.mark();
  const answer = await peer.login(run.username());
  judgeAnswer(run, peer, mark, answer);
  if (answer.answers.length > 0 && !answer.refused) judgeHistory(run, peer, mark, answer, earlier);
  return peer.username !== null;
}

function judgeAnswer(run: Run, peer: Peer, mark: number, { answers, refused }: LoginAnswer): void {
  const spec = LOGIN_CHECKS.answered;
  if (answers.length === 0) return run.report.broken(spec, `no answer within ${run.timeoutMs} ms`, [peer.evidence(mark)]);
  if (refused) return run.report.broken(spec, `refused with an error: ${describe(fields(refused)?.content)}`, [peer.evidence(mark)]);
  run.report.pass(spec);
}

/** The history must be a list of message responses; when `earlier` is given, those contents must be in it, in order. */
function judgeHistory(run: Run, peer: Peer, mark: number, { history }: LoginAnswer, earlier: readonly string[]): void {
  const spec = LOGIN_CHECKS.history;
  const evidence = [peer.evidence(mark)];
  const content = fields(history)?.content;
  const fault = history ? historyFault(content, earlier) : `no history within ${run.timeoutMs} ms of the login`;
  if (fault) return run.report.broken(spec, fault, evidence);
  const encoding = encodingOf(content as unknown[]);
  if (encoding === "objects" || encoding === "mixed") {
    const what = encoding === "mixed" ? "partly JSON strings, partly objects" : "JSON objects";
    return run.report.warn(spec, `entries are ${what}: clients that decode each entry (the course hint) break`, evidence);
  }
  run.report.pass(spec, earlier.length > 0 ? `entries are ${encoding}; the earlier messages are there, oldest first` : "");
}

/** What is wrong with a history's content, or null when it is a list of message responses holding `earlier` in order. */
function historyFault(content: unknown, earlier: readonly string[]): string | null {
  if (!Array.isArray(content)) return `history content is ${describe(content)}`;
  const entries = content.map(decodeEntry);
  const stray = entries.findIndex((entry) => asObject(entry)?.response !== "message");
  if (stray >= 0) return `entry ${stray + 1} is not a message response: ${describe(content[stray])}`;
  const contents = entries.map((entry) => asObject(entry)!.content);
  const positions = earlier.map((text) => contents.lastIndexOf(text));
  const missing = positions.indexOf(-1);
  if (missing >= 0) return `the earlier message ${JSON.stringify(earlier[missing])} is not in it`;
  return positions.some((position, i) => i > 0 && position < positions[i - 1]!) ? "the earlier messages are there, newest first" : null;
}

function encodingOf(content: unknown[]): "JSON strings" | "objects" | "mixed" | "empty" {
  const strings = content.filter((entry) => typeof entry === "string").length;
  if (content.length === 0) return "empty";
  return strings === content.length ? "JSON strings" : strings === 0 ? "objects" : "mixed";
}

/** A second connection asks for a name that is logged in. */
export async function checkTakenName(run: Run, name: string): Promise<void> {
  const peer = await run.connect("a name already taken", "bare");
  const answer = await peer.login(name);
  if (answer.refused) return run.report.pass(LOGIN_CHECKS.taken);
  const what = answer.answers.length === 0 ? `got no answer within ${run.timeoutMs} ms` : "was accepted";
  run.report.broken(LOGIN_CHECKS.taken, `a second login as ${name}, who is logged in, ${what}`, [peer.evidence()]);
}
