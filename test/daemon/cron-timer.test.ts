/** Schedule computation (croner from given dates) and the cron timer's firing rules. */
import { describe, expect, test } from "bun:test";
import { CronTimer, compileSchedule, loadCron, MISFIRE_GRACE_MS } from "../../src/daemon/cron-timer.ts";

const Cron = await loadCron();
const next = (schedule: string, from: string, timezone?: string) => compileSchedule(Cron, { schedule, timezone })(new Date(from))?.toISOString();

describe("next fire time", () => {
  test("6 fields: the first is seconds", () => {
    expect(next("*/30 * * * * *", "2025-11-12T10:15:10Z", "UTC")).toBe("2025-11-12T10:15:30.000Z");
    expect(next("0 0 2 * * *", "2025-11-12T10:15:10Z", "UTC")).toBe("2025-11-13T02:00:00.000Z");
  });

  test("5 fields are accepted and fire at second 0", () => {
    expect(next("*/5 * * * *", "2025-11-12T10:16:10Z", "UTC")).toBe("2025-11-12T10:20:00.000Z");
  });

  test("day of week 0 is Sunday", () => {
    // 2025-11-12 is a Wednesday; the next Sunday is the 16th.
    expect(next("0 30 3 * * 0", "2025-11-12T10:00:00Z", "UTC")).toBe("2025-11-16T03:30:00.000Z");
  });

  test("the time zone decides which instant 2:00 is", () => {
    expect(next("0 0 2 * * *", "2025-07-01T12:00:00Z", "Europe/Berlin")).toBe("2025-07-02T00:00:00.000Z");
    expect(next("0 0 2 * * *", "2025-07-01T12:00:00Z", "America/New_York")).toBe("2025-07-02T06:00:00.000Z");
  });

  test("strictly after the given instant, even exactly on a fire time", () => {
    expect(next("* * * * * *", "2025-11-12T10:15:10.000Z", "UTC")).toBe("2025-11-12T10:15:11.000Z");
  });
});

describe("CronTimer", () => {
  test("fires once per scheduled second, close to it", async () => {
    const fires: { at: number; late: number }[] = [];
    const { promise: thirdFire, resolve } = Promise.withResolvers<void>();
    const timer = new CronTimer(compileSchedule(Cron, { schedule: "* * * * * *", timezone: undefined }), {
      fire: (scheduledAt, lateMs) => {
        fires.push({ at: scheduledAt.getTime(), late: lateMs });
        if (fires.length === 3) resolve();
      },
      missed: () => {
        throw new Error("nothing should be missed");
      },
    });
    timer.start();
    await thirdFire;
    timer.stop();
    expect(fires).toHaveLength(3);
    for (const [index, fire] of fires.entries()) {
      expect(fire.at % 1000).toBe(0);
      if (index > 0) expect(fire.at - (fires[index - 1]?.at as number)).toBe(1000);
      expect(fire.late).toBeLessThan(250);
    }
    expect(timer.nextRun).toBeUndefined();
  }, 10_000);

  test("a fire noticed far too late (suspend, clock jump) is reported missed, not run, and not replayed", async () => {
    const events: string[] = [];
    let offset = 0;
    const now = () => Date.now() + offset;
    const { promise: secondEvent, resolve } = Promise.withResolvers<void>();
    const record = (event: string) => {
      events.push(event);
      if (events.length === 2) resolve();
    };
    const timer = new CronTimer(compileSchedule(Cron, { schedule: "* * * * * *", timezone: undefined }), {
      fire: () => record("fire"),
      missed: (_, lateMs) => record(`missed ${lateMs >= MISFIRE_GRACE_MS}`),
    }, now);
    timer.start();
    // The wall clock jumps ten minutes ahead before the first fire.
    offset = 10 * 60_000;
    await secondEvent;
    timer.stop();
    expect(events[0]).toBe("missed true");
    // Afterwards it keeps to the schedule, one event a second: no burst of the 600 skipped seconds.
    expect(events).toEqual(["missed true", "fire"]);
  }, 10_000);
});
