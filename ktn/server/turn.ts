// The end of an event-loop turn: work deferred until every request of the turn has been handled, run
// once per turn in a fixed order of phases.
//
// Messages posted during a turn are made durable together (the commit phase) before anything queued
// for a socket is written (the flush phase), so no peer ever sees a message that a crash could lose,
// and both happen in the same setImmediate: batching costs no extra loop iteration.
import { log } from "./log.ts";

/** Phases in the order they run; work requested for a later phase while an earlier one runs joins this turn. */
export const Phase = {
  /** Make this turn's messages durable, then hand them out for delivery. */
  Commit: 0,
  /** Write what the turn queued for each peer. */
  Flush: 1,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

const PHASES = 2;
const due: (() => void)[][] = [[], []];
let scheduled = false;
/** The phase running now, or -1 between turns. */
let running = -1;

/** Runs `task` at the end of this turn, in `phase`; requested from within that phase or a later one, at the end of the next turn. */
export function atTurnEnd(phase: Phase, task: () => void): void {
  due[phase]!.push(task);
  if (phase > running && running >= 0) return;
  if (!scheduled) {
    scheduled = true;
    setImmediate(endTurn);
  }
}

function endTurn(): void {
  scheduled = false;
  for (running = 0; running < PHASES; running++) {
    const tasks = due[running]!;
    if (tasks.length === 0) continue;
    due[running] = [];
    for (const task of tasks) runTask(task);
  }
  running = -1;
}

/** One failing task must not keep the others, the writers' flush above all, from running. */
function runTask(task: () => void): void {
  try {
    task();
  } catch (failure) {
    log.error(`end of turn: ${(failure as Error)?.stack ?? failure}`);
  }
}
