/**
 * Timers hold at most 2^31 - 1 ms (about 24.8 days): a longer delay fires after 1 ms with a
 * TimeoutOverflowWarning. Every configured duration is validated against MAX_DURATION_SECONDS,
 * and every timer goes through `timerMs`, so no path can arm an overflowing one.
 */
export const TIMER_LIMIT_MS = 2 ** 31 - 1;
/** The longest timeout, backoff or grace period a workflow or picoflow.toml may ask for. */
export const MAX_DURATION_SECONDS = Math.floor(TIMER_LIMIT_MS / 1000);

/** A delay safe to hand to setTimeout: at least 0, at most TIMER_LIMIT_MS, never NaN. */
export function timerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, TIMER_LIMIT_MS);
}
