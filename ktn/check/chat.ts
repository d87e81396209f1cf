// Chat: msg reaches everyone with the sender's name, names lists who is in, help and unknown requests, logout.
import { answered, describe } from "./describe.ts";
import { fields, isA, type Peer, type Received } from "./peer.ts";
import { check } from "./report.ts";
import type { Run } from "./run.ts";

const TOPIC = "chat";

export const CHAT_CHECKS = {
  msg: check(
    TOPIC,
    "msg",
    "msg reaches every logged-in client, its sender included, as a message from the sender's username with the same content",
    "The course text: a message is broadcast to all connected clients, including the one who originated it; its sender is that client's username and its content the msg's content.",
  ),
  names: check(
    TOPIC,
    "names",
    "names lists the logged-in users",
    "The course text: names lists all the usernames currently connected. Only that each name is in the answer is judged, not its wording or form.",
  ),
  help: check(TOPIC, "help", "help after login answers with info", "The course text: help answers with a help text, which is information (info)."),
  unknown: check(
    TOPIC,
    "unknown",
    "an unknown request after login gets an error",
    "The course text: the server always answers, but it says nothing of requests a server does not support, so another answer is a warning.",
    false,
  ),
  logout: check(
    TOPIC,
    "logout",
    "logout removes the user: names no longer lists it",
    "The course text: logout logs out and disconnects, and names lists only the users currently connected.",
  ),
};

/** A message text nobody else sends. */
export function uniqueText(what: string): string {
  return `ktn-check ${what} ${Math.random().toString(36).slice(2, 8)}`;
}

const isMessage = (text: string) => (received: Received) => isA(received, "message") && fields(received)?.content === text;

/** Whether a names answer (a sentence or a list) holds this name as a whole word. */
export function lists(answer: Received | null, name: string): boolean {
  const content = fields(answer)?.content;
  if (Array.isArray(content)) return content.includes(name);
  return typeof content === "string" && new RegExp(`(^|[^A-Za-z0-9])${name}([^A-Za-z0-9]|$)`).test(content);
}

/**
 * Asks names. The answer is the first response other than an error that lists the asker itself: a
 * join or leave notice sent to it at the same moment never does, so it cannot pass for the answer.
 */
export async function askNames(asker: Peer): Promise<Received | null> {
  await asker.quiet();
  await asker.send({ request: "names", content: null });
  return asker.waitFor((received) => !isA(received, "error") && lists(received, asker.username!));
}

/** `sender` posts a fresh text; it must reach `sender` and every one of `others`. Returns the text. */
export async function checkMsg(run: Run, sender: Peer, others: readonly Peer[]): Promise<string> {
  const text = uniqueText("says hello");
  const everyone = [sender, ...others];
  const marks = everyone.map((peer) => peer.mark());
  await sender.quiet();
  await sender.send({ request: "msg", content: text });
  const got = await Promise.all(everyone.map((peer) => peer.waitFor(isMessage(text))));
  const faults = everyone.flatMap((peer, i) => {
    const who = peer === sender ? "the sender" : peer.username!;
    if (!got[i]) return [`${who} got no message with that content within ${run.timeoutMs} ms`];
    const from = fields(got[i]!)?.sender;
    return from === sender.username ? [] : [`${who} got it with sender ${describe(from)}, not ${JSON.stringify(sender.username)}`];
  });
  if (faults.length === 0) run.report.pass(CHAT_CHECKS.msg, `${everyone.length} clients got it`);
  else run.report.broken(CHAT_CHECKS.msg, faults.join("; "), everyone.map((peer, i) => peer.evidence(marks[i])));
  return text;
}

export async function checkNames(run: Run, asker: Peer, present: readonly Peer[]): Promise<void> {
  const mark = asker.mark();
  const answer = await askNames(asker);
  const missing = present.filter((peer) => !lists(answer, peer.username!)).map((peer) => peer.username!);
  if (missing.length === 0) return run.report.pass(CHAT_CHECKS.names);
  const what = answer ? `${missing.join(" and ")} not in the answer` : noNames(run, asker);
  run.report.broken(CHAT_CHECKS.names, what, [asker.evidence(mark)]);
}

export async function checkHelp(run: Run, peer: Peer): Promise<void> {
  await expectAnswer(run, CHAT_CHECKS.help, peer, { request: "help", content: null }, "info");
}

export async function checkUnknown(run: Run, peer: Peer): Promise<void> {
  await expectAnswer(run, CHAT_CHECKS.unknown, peer, { request: "ktncheckunknown", content: null }, "error");
}

async function expectAnswer(run: Run, spec: (typeof CHAT_CHECKS)["help"], peer: Peer, request: unknown, kind: string): Promise<void> {
  const mark = peer.mark();
  const answer = await peer.ask(request);
  if (isA(answer, kind)) return run.report.pass(spec);
  run.report.broken(spec, answered(answer, run.timeoutMs), [peer.evidence(mark)]);
}

/**
 * `leaver` logs out; `observer` must no longer see it in names. The leaver's connection stays as the
 * server leaves it until then, so a server that forgets users only when they disconnect is caught.
 */
export async function checkLogout(run: Run, leaver: Peer, observer: Peer): Promise<void> {
  const name = leaver.username!;
  const marks = [leaver.mark(), observer.mark()];
  await leaver.requestLogout();
  const answer = await askNames(observer);
  leaver.close();
  const evidence = () => [leaver.evidence(marks[0]), observer.evidence(marks[1])];
  if (!answer) return run.report.broken(CHAT_CHECKS.logout, noNames(run, observer), evidence());
  if (lists(answer, name)) return run.report.broken(CHAT_CHECKS.logout, `${name} logged out and is still in names`, evidence());
  run.report.pass(CHAT_CHECKS.logout);
}

/** Why a names check could not be judged. */
export function noNames(run: Run, asker: Peer): string {
  return `names got no answer listing ${asker.username} within ${run.timeoutMs} ms`;
}

/** Posts a text and waits (bounded) until `observer` has it; false if it never came. */
export async function post(poster: Peer, observer: Peer, text: string): Promise<boolean> {
  await poster.send({ request: "msg", content: text });
  return (await observer.waitFor(isMessage(text))) !== null;
}
