// Requests: the envelope every client sends (docs/protocol.md §2), as our client encodes it and our server reads it.
import * as v from "valibot";

export interface Request {
  request: string;
  content: string | null;
}

/** Extra keys are ignored and `content` may be missing (docs/protocol.md §2); only `request` must be right. */
export const RequestEnvelope = v.looseObject({ request: v.string(), content: v.optional(v.unknown()) });

/** The wire form: compact JSON and a newline, which also tells the server this peer reads line by line. */
export function encodeRequest(request: Request): string {
  return JSON.stringify(request) + "\n";
}
