/** Which missed fire times a catch-up runs, computed by croner from the stored last fire time. */
import { expect, test } from "bun:test";
import { CATCHUP_MAX_RUNS, missedFireTimes } from "../../src/daemon/catch-up.ts";
import { compileSchedule, loadCron } from "../../src/daemon/cron-timer.ts";

const next = compileSchedule(await loadCron(), { schedule: "* * * * * *", timezone: "UTC" });
const now = new Date("2026-03-01T12:00:00.500Z");
const hourAgo = new Date(now.getTime() - 3600_000);
const DAY_MS = 86_400_000;

test("all never runs more than the cap: the most recent missed times, oldest first", () => {
  const missed = missedFireTimes(next, hourAgo, now, { mode: "all", windowMs: DAY_MS });
  expect(missed).toHaveLength(CATCHUP_MAX_RUNS);
  expect(missed.at(-1)?.toISOString()).toBe("2026-03-01T12:00:00.000Z");
  expect(missed[0]?.toISOString()).toBe("2026-03-01T11:58:21.000Z");
});

test("latest is the last missed time only; none is nothing", () => {
  expect(missedFireTimes(next, hourAgo, now, { mode: "latest", windowMs: DAY_MS }).map((at) => at.toISOString())).toEqual(["2026-03-01T12:00:00.000Z"]);
  expect(missedFireTimes(next, hourAgo, now, { mode: "none", windowMs: DAY_MS })).toEqual([]);
});

test("only times inside the window, and never the time already handled", () => {
  const windowed = missedFireTimes(next, hourAgo, now, { mode: "all", windowMs: 3000 });
  expect(windowed.map((at) => at.toISOString())).toEqual(["2026-03-01T11:59:58.000Z", "2026-03-01T11:59:59.000Z", "2026-03-01T12:00:00.000Z"]);
  const handled = new Date("2026-03-01T11:59:59.000Z");
  expect(missedFireTimes(next, handled, now, { mode: "all", windowMs: DAY_MS }).map((at) => at.toISOString())).toEqual(["2026-03-01T12:00:00.000Z"]);
  // A clock stepped back behind the last fire time: nothing is due again.
  expect(missedFireTimes(next, now, hourAgo, { mode: "all", windowMs: DAY_MS })).toEqual([]);
});
