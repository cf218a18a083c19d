/**
 * The keeper with real croner timers and a real SQLite store; only the wall clock is stepped,
 * as a resume from suspend or an NTP correction would (a jump that cannot be made for real here).
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { join } from "node:path";
import { loadCron } from "../../src/daemon/cron-timer.ts";
import { type FireTrigger, ScheduleKeeper } from "../../src/daemon/schedule-keeper.ts";
import { silentLogger } from "../../src/observability/logger.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import type { ClockVerdict } from "../../src/system/clock-sync.ts";
import { parseWorkflow } from "../../src/workflow/load.ts";
import { tempDir } from "../helpers/cli.ts";
import { TEST_DEFAULTS } from "../helpers/engine.ts";
import { waitFor } from "./helpers.ts";

const Cron = await loadCron();
let temp: ReturnType<typeof tempDir>;
let store: SqliteStore;
let keeper: ScheduleKeeper | undefined;
beforeEach(() => {
  temp = tempDir("picoflow-keeper-");
  store = SqliteStore.open(join(temp.dir, "picoflow.db"));
});
afterEach(() => {
  keeper?.stop();
  store.close();
  temp.cleanup();
});

interface Fired {
  workflow: string;
  at: number;
  trigger: FireTrigger;
}

function everySecond(catchup: string) {
  const yaml = `name: tick\nschedule: "* * * * * *"\ncatchup: ${catchup}\ntasks:\n  - name: t\n    type: shell\n    config:\n      command: "true"\n`;
  return parseWorkflow(yaml, join(temp.dir, "tick.yaml"), TEST_DEFAULTS).workflow;
}

function start(catchup: string, clock: { offsetMs: number }, trust: () => ClockVerdict = () => ({ trusted: true })) {
  const fired: Fired[] = [];
  keeper = new ScheduleKeeper(Cron, {
    store,
    clockTrust: trust,
    logger: silentLogger(),
    fire: (workflow, scheduledAt, _lateMs, trigger) => fired.push({ workflow: workflow.name, at: scheduledAt.getTime(), trigger }),
    changed: () => undefined,
    now: () => Date.now() + clock.offsetMs,
  });
  keeper.load([everySecond(catchup)], true);
  return fired;
}

test("a forward jump goes through catch-up: latest runs the last missed second once", async () => {
  const clock = { offsetMs: 0 };
  const fired = start("latest", clock);
  await waitFor(() => fired.length >= 1, 5000, "a scheduled fire");
  clock.offsetMs = 10 * 60_000;
  const caught = await waitFor(() => fired.find((fire) => fire.trigger === "catchup"), 5000, "the catch-up fire");
  const jumpedNow = Date.now() + clock.offsetMs;
  expect(fired.filter((fire) => fire.trigger === "catchup")).toHaveLength(1);
  expect(caught.at).toBeLessThanOrEqual(jumpedNow);
  expect(jumpedNow - caught.at).toBeLessThan(3000);
  expect(store.lastFired("tick")?.getTime()).toBeGreaterThanOrEqual(caught.at);
});

test("all runs the missed seconds one after another, at most 100, as each execution ends", async () => {
  const clock = { offsetMs: 0 };
  const fired = start("all", clock);
  await waitFor(() => fired.length >= 1, 5000, "a scheduled fire");
  const before = fired.length;
  clock.offsetMs = 10 * 60_000;
  const first = await waitFor(() => fired.find((fire) => fire.trigger === "catchup"), 5000, "the first catch-up fire");
  // One at a time: the next missed second fires only when the workflow's execution ends.
  expect(fired.filter((fire) => fire.trigger === "catchup")).toHaveLength(1);
  for (let ended = 1; ended < 150; ended++) keeper?.executionEnded("tick");
  const catchups = fired.slice(before).filter((fire) => fire.trigger === "catchup").map((fire) => fire.at);
  expect(catchups).toHaveLength(100);
  expect(catchups[0]).toBe(first.at);
  for (let index = 1; index < catchups.length; index++) expect((catchups[index] as number) - (catchups[index - 1] as number)).toBe(1000);
});

test("a backlog left by a stopped keeper is finished by the next one, each missed second once", async () => {
  const clock = { offsetMs: 0 };
  const fired = start("all", clock);
  await waitFor(() => fired.length >= 1, 5000, "a scheduled fire");
  clock.offsetMs = 10 * 60_000;
  await waitFor(() => fired.find((fire) => fire.trigger === "catchup"), 5000, "the first catch-up fire");
  for (let ended = 0; ended < 9; ended++) keeper?.executionEnded("tick");
  keeper?.stop();
  const firstKeeper = fired.filter((fire) => fire.trigger === "catchup").map((fire) => fire.at);
  expect(firstKeeper).toHaveLength(10);
  // The 90 times not yet started are in the store, oldest first.
  const stored = store.catchupBacklog("tick").map((time) => time.getTime());
  expect(stored).toHaveLength(90);
  expect(stored[0]).toBe((firstKeeper.at(-1) as number) + 1000);

  // A new daemon, same database: it starts with what was left (and whatever it missed meanwhile).
  const next = start("all", clock);
  await waitFor(() => next.find((fire) => fire.trigger === "catchup"), 5000, "the next keeper's catch-up");
  for (let ended = 0; ended < 150; ended++) keeper?.executionEnded("tick");
  const secondKeeper = next.filter((fire) => fire.trigger === "catchup").map((fire) => fire.at);
  expect(secondKeeper.slice(0, 90)).toEqual(stored);
  const everyTime = [...firstKeeper, ...secondKeeper];
  expect(new Set(everyTime).size).toBe(everyTime.length);
  expect(store.catchupBacklog("tick")).toEqual([]);
});

test("a catch-up time deferred while its workflow runs goes first, once", async () => {
  const clock = { offsetMs: 0 };
  const fired = start("latest", clock);
  await waitFor(() => fired.length >= 1, 5000, "a scheduled fire");
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000);
  keeper?.deferCatchup("tick", at);
  keeper?.deferCatchup("tick", at);
  expect(store.catchupBacklog("tick")).toEqual([at]);
  keeper?.executionEnded("tick");
  expect(fired.filter((fire) => fire.trigger === "catchup")).toEqual([{ workflow: "tick", at: at.getTime(), trigger: "catchup" }]);
  keeper?.executionEnded("tick");
  expect(fired.filter((fire) => fire.trigger === "catchup")).toHaveLength(1);
  expect(store.catchupBacklog("tick")).toEqual([]);
});

test("nothing fires while the clock is not trusted; once it is, the schedule starts", async () => {
  const clock = { offsetMs: 0 };
  let verdict: ClockVerdict = { trusted: false, reason: "flag file missing" };
  let asked = 0;
  const fired = start("latest", clock, () => {
    asked++;
    return verdict;
  });
  expect(keeper?.waitingForClock).toBe("flag file missing");
  // Asked again (its poll) and still refused, while an every-second schedule would have fired.
  await waitFor(() => asked >= 3, 15_000, "the keeper to ask about the clock again");
  expect(fired).toEqual([]);
  verdict = { trusted: true };
  await waitFor(() => fired.length >= 1, 5000, "a fire once trusted");
  expect(keeper?.waitingForClock).toBeUndefined();
  expect(fired[0]?.trigger).toBe("schedule");
});
