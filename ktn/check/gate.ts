// Before login: only login and help are accepted; msg, names, logout and an unknown request get an error.
import { isA } from "./peer.ts";
import { check } from "./report.ts";
import type { Run } from "./run.ts";
import { answered } from "./describe.ts";

const TOPIC = "before login";

export const GATE_CHECKS = {
  refused: check(
    TOPIC,
    "refused",
    "msg, names, logout and an unknown request each get an error",
    "The course text: the only requests the server accepts from a client that is not logged in are login and help; any other gets an error response.",
  ),
  help: check(TOPIC, "help", "help is answered with info", "The course text: help is accepted before login and answers with a help text, which is information (info)."),
};

/** Requests sent before login, each on a fresh connection: a server may close after refusing one. */
const ILLEGAL = [
  { request: "msg", content: "ktn-check: a message sent before login" },
  { request: "names", content: null },
  { request: "logout", content: null },
  { request: "ktncheckunknown", content: null },
];

export async function checkGate(run: Run): Promise<void> {
  await Promise.all([run.probe([GATE_CHECKS.refused], () => checkRefusals(run)), run.probe([GATE_CHECKS.help], () => checkHelp(run))]);
}

async function checkRefusals(run: Run): Promise<void> {
  const probes = await Promise.all(
    ILLEGAL.map(async (request) => {
      const peer = await run.connect(`${request.request} before login`, "bare");
      return { request, peer, answer: await peer.ask(request) };
    }),
  );
  const accepted = probes.filter(({ answer }) => !isA(answer, "error"));
  if (accepted.length === 0) return run.report.pass(GATE_CHECKS.refused);
  const what = accepted.map(({ request, answer }) => `${request.request} ${answered(answer, run.timeoutMs)}`);
  run.report.broken(GATE_CHECKS.refused, what.join("; "), accepted.map(({ peer }) => peer.evidence()));
}

async function checkHelp(run: Run): Promise<void> {
  const peer = await run.connect("help before login", "bare");
  const answer = await peer.ask({ request: "help", content: null });
  if (isA(answer, "info")) return run.report.pass(GATE_CHECKS.help);
  run.report.broken(GATE_CHECKS.help, answered(answer, run.timeoutMs), [peer.evidence()]);
}
