/** A daemon that was down catches up the fire times it missed, by each workflow's `catchup` policy. */
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { runCli } from "../helpers/cli.ts";
import { daemonDir, queryDb, shellTask, started, waitFor } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

interface Run {
  workflow_name: string;
  status: string;
  trigger: string | null;
  scheduled_for: string | null;
  started_at: string;
}

const ms = (sqlTime: string) => Date.parse(`${sqlTime.replace(" ", "T")}Z`);
const EVERY_2S = "*/2 * * * * *";
const DOWNTIME_MS = 7000;

function workflow(name: string, catchup: string): string {
  return `name: ${name}\nschedule: "${EVERY_2S}"\n${catchup}tasks:\n${shellTask("work", "true")}`;
}

test("after 7 s of downtime: latest runs the last missed time once, all runs each, none runs none, the window is honoured", async () => {
  env = daemonDir();
  const db = join(env.dir, "picoflow.db");
  const files = [
    env.write("latest.yaml", workflow("latest", "")), // the default
    env.write("all.yaml", workflow("all", "catchup: all\n")),
    env.write("none.yaml", workflow("none", "catchup: none\n")),
    env.write("window.yaml", workflow("window", "catchup: all\ncatchup_window: 3s\n")),
  ];
  const runs = (): Run[] => queryDb(db, (d) => d.query("SELECT * FROM workflow_executions ORDER BY started_at").all() as Run[]);

  const first = env.start(files);
  await started(first);
  // Every workflow has fired at least once on schedule, so the database knows its last fire time.
  await waitFor(() => ["latest", "all", "none", "window"].every((name) => runs().some((run) => run.workflow_name === name && run.status === "Success")), 20_000, "a scheduled run of each");
  first.proc.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  const lastFired = new Map(
    queryDb(db, (d) => d.query("SELECT workflow_name, last_fired_at FROM schedule_state").all() as { workflow_name: string; last_fired_at: string }[]).map((row) => [row.workflow_name, ms(row.last_fired_at)]),
  );
  expect(runs().every((run) => run.trigger === "schedule" && run.scheduled_for !== null)).toBe(true);
  const before = runs().length;

  // The downtime is the scenario, not a wait for an event: the daemon stays down until every
  // workflow has missed at least three of its every-2-s fire times after its last recorded one.
  await Bun.sleep(Math.max(0, Math.max(...lastFired.values()) + DOWNTIME_MS - Date.now()));
  const restartAt = Date.now();
  const second = env.start(files);
  await started(second);
  const catchups = (name: string) => runs().filter((run) => run.workflow_name === name && run.trigger === "catchup");
  // The daemon decides every catch-up at start and says how many runs each gets.
  const planned = new Map<string, number>();
  for (const name of ["latest", "all", "window"]) {
    const line = await second.waitForLog((entry) => entry.msg === "catching up missed scheduled runs" && entry.workflow === name);
    planned.set(name, line.runs as number);
  }
  await waitFor(
    () => [...planned].every(([name, count]) => catchups(name).filter((run) => run.status !== "Running").length >= count),
    20_000,
    "the planned catch-up runs to finish",
  );
  // Any further (wrong) catch-up would be decided before the schedules are armed: once each
  // workflow's first scheduled run of the second daemon has finished, the count is final.
  const scheduledAfterRestart = (name: string) => runs().filter((run) => run.workflow_name === name && run.trigger === "schedule" && ms(run.started_at) >= restartAt - 1000);
  await waitFor(
    () => ["latest", "all", "none", "window"].every((name) => scheduledAfterRestart(name).some((run) => run.status !== "Running")),
    20_000,
    "a scheduled run of each after the restart",
  );
  expect(runs().length).toBeGreaterThan(before);
  for (const [name, count] of planned) expect(catchups(name)).toHaveLength(count);
  second.proc.kill("SIGTERM");
  expect(await second.exited).toBe(0);

  // latest: exactly one, for the last fire time missed before the restart.
  const [latest] = catchups("latest") as [Run];
  expect(catchups("latest")).toHaveLength(1);
  const latestFor = ms(latest.scheduled_for as string);
  expect(latestFor).toBeGreaterThan(lastFired.get("latest") as number);
  expect(latestFor).toBeLessThanOrEqual(ms(latest.started_at));
  expect(ms(latest.started_at) - latestFor).toBeLessThan(2000 + 1500);
  expect(ms(latest.started_at)).toBeGreaterThanOrEqual(restartAt - 1000);

  // all: every missed time, oldest first, one after another, each 2 s after the one before.
  const all = catchups("all").map((run) => ms(run.scheduled_for as string));
  expect(all.length).toBeGreaterThanOrEqual(3);
  expect(all[0]).toBe((lastFired.get("all") as number) + 2000);
  for (let index = 1; index < all.length; index++) expect((all[index] as number) - (all[index - 1] as number)).toBe(2000);
  expect(all.at(-1) as number).toBeLessThanOrEqual(ms((catchups("all")[0] as Run).started_at));

  // none: nothing caught up.
  expect(catchups("none")).toEqual([]);

  // window 3s: only the missed times at most 3 s before the restart.
  const windowed = catchups("window").map((run) => ms(run.scheduled_for as string));
  expect(windowed.length).toBeLessThanOrEqual(2);
  const windowStart = ms((catchups("window")[0] as Run).started_at) - 3000;
  for (const at of windowed) expect(at).toBeGreaterThanOrEqual(windowStart - 100);
  expect(windowed.length).toBeLessThan(all.length);

  // Every run the second daemon started on schedule is for a time after the ones caught up.
  for (const run of runs().filter((r) => r.trigger === "schedule" && ms(r.started_at) >= restartAt)) {
    expect(ms(run.scheduled_for as string)).toBeGreaterThan(restartAt - 1000);
  }
}, 90_000);

test("after the clock went back, a time that already fired never fires again", async () => {
  env = daemonDir();
  const db = join(env.dir, "picoflow.db");
  const file = env.write("tick.yaml", `name: tick\nschedule: "* * * * * *"\ncatchup: all\ntasks:\n${shellTask("work", "true")}`);
  // As if the daemon had fired up to 3 s from now and the clock had then been stepped back.
  const firedUpTo = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
  const store = SqliteStore.open(db);
  store.recordFired("tick", firedUpTo);
  store.close();
  const daemon = env.start([file]);
  await started(daemon);
  const refused = await daemon.waitForLog((line) => line.msg.startsWith("not firing a time that already fired"));
  expect(Date.parse(refused.scheduled_at as string)).toBeLessThanOrEqual(firedUpTo.getTime());
  const runs = await waitFor(() => {
    const rows = queryDb(db, (d) => d.query("SELECT * FROM workflow_executions").all() as Run[]);
    return rows.length > 0 && rows;
  }, 15_000, "the first run after the fired times");
  // Nothing caught up (the stored time is ahead of the clock) and the first run is for a new time.
  expect(runs.every((run) => run.trigger === "schedule")).toBe(true);
  expect(ms((runs[0] as Run).scheduled_for as string)).toBeGreaterThan(firedUpTo.getTime());
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 60_000);

test("a daemon stopped in the middle of a catchup: all backlog finishes it when it starts again, each missed time once", async () => {
  env = daemonDir();
  const db = join(env.dir, "picoflow.db");
  // Each run takes 1.5 s, so the backlog is still going when the daemon is stopped.
  const file = env.write("all.yaml", `name: all\nschedule: "${EVERY_2S}"\ncatchup: all\ntasks:\n${shellTask("work", "sleep", ["1.5"])}`);
  const runs = (): Run[] => queryDb(db, (d) => d.query("SELECT * FROM workflow_executions ORDER BY started_at").all() as Run[]);
  const catchupTimes = () => runs().filter((run) => run.trigger === "catchup").map((run) => ms(run.scheduled_for as string));

  const first = env.start([file]);
  await started(first);
  await waitFor(() => runs().some((run) => run.status === "Success"), 20_000, "a scheduled run");
  first.proc.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  const lastFired = queryDb(db, (d) => d.query("SELECT last_fired_at FROM schedule_state").get() as { last_fired_at: string });
  // Down long enough to miss at least four fire times (the downtime is the scenario).
  await Bun.sleep(Math.max(0, ms(lastFired.last_fired_at) + 9000 - Date.now()));

  const second = env.start([file]);
  const plan = await second.waitForLog((entry) => entry.msg === "catching up missed scheduled runs");
  expect(plan.runs as number).toBeGreaterThanOrEqual(4);
  const missed = Array.from({ length: plan.runs as number }, (_, index) => Date.parse(plan.from as string) + 2000 * index);
  expect(missed.at(-1)).toBe(Date.parse(plan.to as string));
  // daemon status says how many are still to go.
  await waitFor(async () => {
    const status = await runCli(["--db-path", db, "daemon", "status"], { cwd: env.dir });
    return /^ {2}- all \(cron: \*\/2 \* \* \* \* \*; catching up: \d+ missed runs? to go\)$/m.test(status.stdout);
  }, 20_000, "daemon status to show the catch-up backlog");
  // Stopped once the second catch-up run has started: it ends within the grace period, the rest waits.
  await waitFor(() => catchupTimes().length >= 2, 20_000, "the second catch-up run");
  second.proc.kill("SIGTERM");
  expect(await second.exited).toBe(0);
  const startedBefore = catchupTimes();
  expect(startedBefore.length).toBeLessThan(missed.length);

  const third = env.start([file]);
  const resumedPlan = await third.waitForLog((entry) => entry.msg === "catching up missed scheduled runs");
  expect(Date.parse(resumedPlan.from as string)).toBe(missed[startedBefore.length] as number);
  await waitFor(() => missed.every((at) => catchupTimes().includes(at)), 30_000, "every missed time to have run");
  await waitFor(() => runs().every((run) => run.status !== "Running"), 20_000, "the catch-up runs to end");
  third.proc.kill("SIGTERM");
  expect(await third.exited).toBe(0);
  const times = catchupTimes();
  expect(new Set(times).size).toBe(times.length);
  expect(runs().filter((run) => run.trigger === "catchup").every((run) => run.status === "Success")).toBe(true);
}, 90_000);
