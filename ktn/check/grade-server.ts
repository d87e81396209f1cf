// Grading a server: which probes run, in which order, and why in that order.
import { CHAT_CHECKS, checkHelp, checkLogout, checkMsg, checkNames, checkUnknown, post, uniqueText } from "./chat.ts";
import { checkAbruptDisconnect, DISCONNECT_CHECKS } from "./disconnect.ts";
import { checkRequestFraming, FRAMING_CHECKS, judgeBareReads, provokeLongHistory } from "./framing.ts";
import { checkGate, GATE_CHECKS } from "./gate.ts";
import { checkTakenName, LOGIN_CHECKS, logIn } from "./login.ts";
import type { Outcome } from "./report.ts";
import { Run, type Target } from "./run.ts";
import { judgeResponses, RESPONSE_CHECKS } from "./structure.ts";
import { checkUsernames, USERNAME_CHECKS } from "./usernames.ts";

/** Every check, in the order the report lists them. */
const SERVER_CHECKS = [
  ...Object.values(RESPONSE_CHECKS),
  ...Object.values(LOGIN_CHECKS),
  ...Object.values(USERNAME_CHECKS),
  ...Object.values(GATE_CHECKS),
  ...Object.values(CHAT_CHECKS),
  ...Object.values(DISCONNECT_CHECKS),
  ...Object.values(FRAMING_CHECKS),
];

/** Grades the server at `target`; throws Unreachable when nothing answers there. */
export async function gradeServer(target: Target): Promise<Outcome[]> {
  const run = new Run(target, SERVER_CHECKS);
  await run.reachable();
  // Nobody is logged in yet, so a probe that goes wrong (a bad name accepted, a msg broadcast
  // before login) cannot put a stray response in front of another probe's answer.
  await Promise.all([checkGate(run), checkUsernames(run), checkRequestFraming(run)]);
  await run.finish();
  const rest = [...Object.values(LOGIN_CHECKS), ...Object.values(CHAT_CHECKS), ...Object.values(DISCONNECT_CHECKS)];
  await run.probe(rest, () => chat(run));
  await run.finish();
  judgeResponses(run);
  judgeBareReads(run);
  return run.report.results();
}

/**
 * One conversation, step by step: what each step needs (two users in, messages in history, a user
 * who can vanish) is what the steps before it made.
 */
async function chat(run: Run): Promise<void> {
  const first = await run.connect("first user", "line");
  const second = await run.connect("second user", "line");
  const logins = await Promise.all([logIn(run, first), logIn(run, second)]);
  if (logins.includes(false)) throw new Error("two users could not log in (see login)");
  const hello = await checkMsg(run, first, [second]);
  await Promise.all([checkNames(run, second, [first, second]), checkHelp(run, first)]);
  await checkUnknown(run, first);
  const again = uniqueText("says hello again");
  await post(first, second, again);
  // A bare-JSON user, as a course client: its history must hold both messages, and its reads are judged at the end.
  const late = await run.connect("third user, after two messages", "bare");
  if (!(await logIn(run, late, [hello, again]))) throw new Error("a third user could not log in (see login)");
  await provokeLongHistory(run, first, second);
  await checkAbruptDisconnect(run, late, second, first);
  await checkLogout(run, first, second);
  await checkTakenName(run, second.username!);
}
