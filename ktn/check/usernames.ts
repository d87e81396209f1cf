// Usernames: only letters A-Z, a-z and digits 0-9; anything else is refused with an error.
import { check } from "./report.ts";
import type { Run } from "./run.ts";
import { answered } from "./describe.ts";

export const USERNAME_CHECKS = {
  rule: check(
    "usernames",
    "rule",
    "names with other characters are refused with an error: \"bad name!\", \"bad-name\", \"ä\", the empty name",
    "The course text: the server must check that the username only contains the letters A-Z, a-z and numbers 0-9.",
  ),
};

const INVALID = ["bad name!", "bad-name", "ä", ""];

/** One connection per name, so that a name wrongly accepted cannot hide the next attempt. */
export function checkUsernames(run: Run): Promise<void> {
  return run.probe([USERNAME_CHECKS.rule], () => tryInvalidNames(run));
}

async function tryInvalidNames(run: Run): Promise<void> {
  const spec = USERNAME_CHECKS.rule;
  const attempts = await Promise.all(
    INVALID.map(async (name) => {
      const peer = await run.connect(`login ${JSON.stringify(name)}`, "bare");
      const answer = await peer.login(name);
      return { name, peer, answer };
    }),
  );
  const accepted = attempts.filter(({ answer }) => !answer.refused);
  if (accepted.length === 0) return run.report.pass(spec);
  const what = accepted.map(({ name, answer }) => `${JSON.stringify(name)} ${answered(answer.answers[0] ?? null, run.timeoutMs)}`);
  run.report.broken(spec, `not refused: ${what.join("; ")}`, accepted.map(({ peer }) => peer.evidence()));
}
