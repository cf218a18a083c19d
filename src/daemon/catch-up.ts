/**
 * Which fire times a daemon slept through (it was stopped, suspended, stalled, or the clock
 * jumped forward) it runs now: `latest` the last one, `all` each in order (the most recent
 * CATCHUP_MAX_RUNS), `none` nothing; only times inside the catch-up window count.
 */
import type { CatchupPolicy } from "../workflow/model.ts";
import type { NextFire } from "./cron-timer.ts";

/** `all` never runs more than this many missed times, so a long outage cannot queue days of runs. */
export const CATCHUP_MAX_RUNS = 100;

/** Fire times strictly after `handledUpTo` and at or before `now`, within the window; oldest first. */
export function missedFireTimes(next: NextFire, handledUpTo: Date, now: Date, policy: CatchupPolicy): Date[] {
  if (policy.mode === "none") return [];
  const keep = policy.mode === "latest" ? 1 : CATCHUP_MAX_RUNS;
  // The instant before the window: the first fire time after it is the oldest that counts.
  const earliest = Math.max(handledUpTo.getTime(), now.getTime() - policy.windowMs - 1);
  // croner only walks forwards (~80 us a step): start near now and reach further back only
  // while fewer than `keep` times turn up, so a day of an every-second schedule costs
  // hundreds of steps, not 86,400.
  for (let reachMs = PROBE_START_MS; ; reachMs *= 2) {
    const from = Math.max(earliest, now.getTime() - reachMs);
    const missed = fireTimesBetween(next, new Date(from), now, keep);
    if (missed.length >= keep || from === earliest) return missed;
  }
}

const PROBE_START_MS = 1000;

/** The last `keep` fire times in (from, to]. */
function fireTimesBetween(next: NextFire, from: Date, to: Date, keep: number): Date[] {
  const found: Date[] = [];
  for (let at = next(from); at && at.getTime() <= to.getTime(); at = next(at)) {
    found.push(at);
    if (found.length > keep) found.shift();
  }
  return found;
}
