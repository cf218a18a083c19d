/**
 * Which fire times a daemon slept through (it was stopped, suspended, stalled, or the clock
 * jumped forward) it runs now: `latest` the last one, `all` each in order (the most recent
 * CATCHUP_MAX_RUNS), `none` nothing; only times inside the catch-up window count.
 */
import type { CatchupPolicy } from "../workflow/model.ts";
import type { NextFire } from "./schedules.ts";

/** `all` never runs more than this many missed times, so a long outage cannot queue days of runs. */
export const CATCHUP_MAX_RUNS = 100;

/** Fire times strictly after `handledUpTo` and at or before `now`, within the window; oldest first. */
export function missedFireTimes(next: NextFire, handledUpTo: Date, now: Date, policy: CatchupPolicy): Date[] {
  if (policy.mode === "none") return [];
  const keep = policy.mode === "latest" ? 1 : CATCHUP_MAX_RUNS;
  const windowStart = now.getTime() - policy.windowMs;
  // The instant before the window: the first fire time after it is the oldest that counts.
  const from = new Date(Math.max(handledUpTo.getTime(), windowStart - 1));
  const missed: Date[] = [];
  for (let at = next(from); at && at.getTime() <= now.getTime(); at = next(at)) {
    missed.push(at);
    if (missed.length > keep) missed.shift();
  }
  return missed;
}
