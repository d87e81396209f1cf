// Stalls: moments the checker itself did not run (a busy machine). Reads then pile up, and prove nothing about the server.
const TICK_MS = 10;
/** Shorter than the pause a careful server leaves between two responses (ours: 30 ms). */
const STALL_MS = 25;
/** Far enough back to cover the pause between two responses that arrived together. */
const WINDOW_MS = 500;

let ticks: number[] = [];
let timer: Timer | null = null;

/** Starts watching the event loop (once; the timer never keeps the process alive). */
export function watchStalls(): void {
  if (timer) return;
  ticks = [performance.now()];
  timer = setInterval(() => {
    const now = performance.now();
    ticks.push(now);
    while (ticks.length > 2 && ticks[1]! < now - WINDOW_MS) ticks.shift();
  }, TICK_MS);
  timer.unref();
}

/** True when, in the last WINDOW_MS, the event loop went more than STALL_MS without running. */
export function recentlyStalled(): boolean {
  if (!timer) return false;
  const now = performance.now();
  const sinceLastTick = now - ticks.at(-1)!;
  return sinceLastTick > STALL_MS || ticks.some((tick, i) => i > 0 && tick > now - WINDOW_MS && tick - ticks[i - 1]! > STALL_MS);
}
