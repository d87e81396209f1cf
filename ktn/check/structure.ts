// Responses: every response the run saw, history entries included, has the course's four keys with the right types.
import { fields, type Peer, type Received } from "./peer.ts";
import { asObject, describe } from "./describe.ts";
import { check, type Evidence } from "./report.ts";
import type { Run } from "./run.ts";

const TOPIC = "responses";
const FORMAT = "The course text's strict standard: every response is {timestamp, sender, response, content}";

export const RESPONSE_CHECKS = {
  json: check(TOPIC, "json", "every response is a JSON object", `${FORMAT}, encoded as JSON.`),
  timestamp: check(TOPIC, "timestamp", "timestamp is a string", `${FORMAT}, and the timestamp "must be a string".`),
  sender: check(TOPIC, "sender", "sender is a string", `${FORMAT}; the sender is the server or a logged-in user's name.`),
  type: check(TOPIC, "type", "response is error, info, message or history", `${FORMAT}; "the different types of responses are: error, info, message and history".`),
  content: check(
    TOPIC,
    "content",
    "content is present: a non-empty string for error and info, a string for message, a list for history",
    `${FORMAT}; "all responses have an associated content": a string detailing the error or information, the message itself, or the list of earlier messages. Its wording is never judged.`,
  ),
};

const RESPONSE_TYPES = ["error", "info", "message", "history"];

type Fault = keyof typeof RESPONSE_CHECKS;

/** What is wrong with one response, check by check (nothing: it is well-formed). */
function faultsOf(value: unknown): Partial<Record<Fault, string>> {
  const response = asObject(value);
  if (!response) return { json: `not an object: ${JSON.stringify(value)}` };
  const faults: Partial<Record<Fault, string>> = {};
  if (typeof response.timestamp !== "string") faults.timestamp = `timestamp is ${describe(response.timestamp)}`;
  if (typeof response.sender !== "string") faults.sender = `sender is ${describe(response.sender)}`;
  if (!RESPONSE_TYPES.includes(response.response as string)) faults.type = `response is ${describe(response.response)}`;
  const contentFault = contentFaultOf(response.response, response.content, "content" in response);
  if (contentFault) faults.content = contentFault;
  return faults;
}

function contentFaultOf(type: unknown, content: unknown, present: boolean): string | null {
  if (!present) return "no content key";
  if (type === "history") return Array.isArray(content) ? null : `history content is ${describe(content)}, not a list`;
  if (type === "error" || type === "info") return typeof content === "string" && content.trim() !== "" ? null : `${type} content is ${describe(content)}`;
  if (type === "message") return typeof content === "string" ? null : `message content is ${describe(content)}`;
  return null;
}

/** A history entry decoded: a JSON string is parsed, an object taken as it is; undefined if it is neither. */
export function decodeEntry(entry: unknown): unknown {
  if (typeof entry !== "string") return typeof entry === "object" && entry !== null ? entry : undefined;
  try {
    return JSON.parse(entry);
  } catch {
    return undefined;
  }
}

/** The responses to judge in one received value: itself and, for a history, every entry that decodes. */
function judged(received: Received): unknown[] {
  const response = fields(received);
  if (received.malformed) return [];
  if (response?.response !== "history" || !Array.isArray(response.content)) return [received.value];
  return [received.value, ...response.content.map(decodeEntry).filter((entry) => entry !== undefined)];
}

/** The first few bad responses are enough to see the pattern. */
const SHOWN_OFFENDERS = 2;

/** Judges every response of every connection of the run, once the run is over. */
export function judgeResponses(run: Run): void {
  const offenders = new Map<Fault, { peer: Peer; received: Received; why: string }[]>();
  let count = 0;
  for (const peer of run.peers) {
    for (const received of peer.received) {
      count++;
      const faults: Partial<Record<Fault, string>> = received.malformed ? { json: received.malformed } : {};
      for (const value of judged(received)) {
        for (const [fault, why] of Object.entries(faultsOf(value)) as [Fault, string][]) faults[fault] ??= why;
      }
      for (const [fault, why] of Object.entries(faults) as [Fault, string][]) {
        const list = offenders.get(fault) ?? [];
        list.push({ peer, received, why });
        offenders.set(fault, list);
      }
    }
  }
  for (const [fault, spec] of Object.entries(RESPONSE_CHECKS) as [Fault, (typeof RESPONSE_CHECKS)[Fault]][]) {
    const bad = offenders.get(fault);
    if (count === 0) {
      run.report.broken(spec, "not one response came back in the whole run");
      continue;
    }
    if (!bad) {
      run.report.pass(spec, `${count} responses`);
      continue;
    }
    const evidence: Evidence[] = bad.slice(0, SHOWN_OFFENDERS).map(({ peer, received }) => peer.evidenceOf(received));
    run.report.broken(spec, `${bad.length} of ${count} responses: ${bad[0]!.why}`, evidence);
  }
}
