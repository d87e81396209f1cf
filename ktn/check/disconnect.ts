// Abrupt disconnect: a client that vanishes without logout leaves names, and the others still get every message.
import { askNames, lists, noNames, post, uniqueText } from "./chat.ts";
import { QUIET_MS, type Peer } from "./peer.ts";
import { check } from "./report.ts";
import type { Run } from "./run.ts";

const TOPIC = "abrupt disconnect";

export const DISCONNECT_CHECKS = {
  names: check(
    TOPIC,
    "names",
    "a client that disconnects without logout leaves names",
    "The course text: names lists the users currently connected; a client that crashed or lost its network is not.",
  ),
  broadcast: check(
    TOPIC,
    "broadcast",
    "it does not break broadcast for the others",
    "The course text: a message is broadcast to all connected clients; one that went away must not stop the rest from getting it.",
  ),
};

/** Time a server may take to notice a reset before names is asked a second time. */
const SECOND_LOOK_MS = 1000;

/** `gone` drops its connection with a reset; `observer` asks names, then `poster` posts. */
export async function checkAbruptDisconnect(run: Run, gone: Peer, observer: Peer, poster: Peer): Promise<void> {
  const name = gone.username!;
  const mark = observer.mark();
  gone.abort();
  await Bun.sleep(QUIET_MS);
  let answer = await askNames(observer);
  if (lists(answer, name)) {
    await Bun.sleep(SECOND_LOOK_MS);
    answer = await askNames(observer);
  }
  if (!answer) run.report.broken(DISCONNECT_CHECKS.names, noNames(run, observer), [observer.evidence(mark)]);
  else if (lists(answer, name)) run.report.broken(DISCONNECT_CHECKS.names, `${name} is still in names ${SECOND_LOOK_MS} ms after its connection was reset`, [observer.evidence(mark)]);
  else run.report.pass(DISCONNECT_CHECKS.names);

  const text = uniqueText("after a disconnect");
  const posterMark = poster.mark();
  const observerMark = observer.mark();
  if (await post(poster, observer, text)) return run.report.pass(DISCONNECT_CHECKS.broadcast);
  run.report.broken(DISCONNECT_CHECKS.broadcast, `a message posted after it did not reach another client within ${run.timeoutMs} ms`, [
    poster.evidence(posterMark),
    observer.evidence(observerMark),
  ]);
}
