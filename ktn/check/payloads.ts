// Payloads: what a client under test sent, judged against the course's request format.
import { asObject, describe } from "./describe.ts";
import { check, type CheckSpec, type Evidence, type Report } from "./report.ts";

const TOPIC = "payloads";
const FORMAT = "The course text's strict standard: every payload from the client is {request, content}";
const NONE = `${FORMAT}, and a request that takes no input has content None, which is null in JSON (not "", not missing).`;

export const PAYLOAD_CHECKS = {
  shape: check(TOPIC, "shape", "every payload is one JSON object with exactly the keys request (a string) and content", `${FORMAT}: nothing more, nothing less.`),
  login: check(TOPIC, "login", "login: content is the username, without the word login", `${FORMAT}; login <username> sends the username as its content.`),
  msg: check(TOPIC, "msg", "msg: content is the message text, without the word msg", `${FORMAT}; msg <message> sends the message as its content.`),
  names: check(TOPIC, "names", "names: content is null", NONE),
  help: check(TOPIC, "help", "help: content is null", NONE),
  logout: check(TOPIC, "logout", "logout: content is null", NONE),
};

/** One payload as the grading server decoded it, and the evidence of the read it came in. */
export interface Payload {
  value: unknown;
  malformed?: string;
  evidence: Evidence;
}

type Kind = Exclude<keyof typeof PAYLOAD_CHECKS, "shape">;

/** What is wrong with a payload's content for its request, or null. Only a content that is there is judged (shape judges a missing one). */
function contentFault(kind: Kind, content: unknown): string | null {
  if (kind === "login") return typeof content === "string" && /^\S+$/.test(content.trim()) && !/^login(\s|$)/i.test(content) ? null : `content is ${describe(content)}`;
  if (kind === "msg") return typeof content === "string" && !/^msg(\s|$)/i.test(content) ? null : `content is ${describe(content)}`;
  return content === null ? null : `content is ${describe(content)}, not null`;
}

function shapeFault(payload: Payload): string | null {
  if (payload.malformed) return `not JSON (${payload.malformed})`;
  const value = asObject(payload.value);
  if (!value) return `not an object: ${describe(payload.value)}`;
  const keys = Object.keys(value).sort().join(", ");
  if (keys !== "content, request") return `keys are ${keys || "none"}`;
  return typeof value.request === "string" ? null : `request is ${describe(value.request)}`;
}

export function judgePayloads(report: Report, payloads: readonly Payload[]): void {
  const badShapes = payloads.map((payload) => ({ payload, fault: shapeFault(payload) })).filter(({ fault }) => fault !== null);
  const requests = payloads.map((payload) => asObject(payload.value)?.request).filter((request) => typeof request === "string");
  const sent = `${payloads.length} payloads: ${requests.join(", ") || "none"}`;
  if (payloads.length === 0) report.broken(PAYLOAD_CHECKS.shape, "nothing to grade: no client connected, or it sent nothing");
  else if (badShapes.length === 0) report.pass(PAYLOAD_CHECKS.shape, sent);
  else report.broken(PAYLOAD_CHECKS.shape, `${badShapes[0]!.fault} (${sent})`, badShapes.slice(0, 3).map(({ payload }) => payload.evidence));
  for (const kind of ["login", "msg", "names", "help", "logout"] as const) judgeKind(report, PAYLOAD_CHECKS[kind], kind, payloads);
}

function judgeKind(report: Report, spec: CheckSpec, kind: Kind, payloads: readonly Payload[]): void {
  const mine = payloads.filter((payload) => asObject(payload.value)?.request === kind);
  if (mine.length === 0) return report.warn(spec, `not seen: type ${kind === "login" || kind === "msg" ? `${kind} <…>` : kind} in the client to grade it`);
  const bad = mine
    .filter((payload) => "content" in asObject(payload.value)!)
    .map((payload) => ({ payload, fault: contentFault(kind, asObject(payload.value)!.content) }))
    .filter(({ fault }) => fault !== null);
  if (bad.length === 0) return report.pass(spec, JSON.stringify(mine[0]!.value));
  report.broken(spec, bad[0]!.fault!, bad.slice(0, 3).map(({ payload }) => payload.evidence));
}
