/** Nothing fires while the clock is not trusted; the schedule starts as soon as it is. */
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStateFile } from "../../src/daemon/state-file.ts";
import { runCli } from "../helpers/cli.ts";
import { daemonDir, executions, shellTask, started, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

const ms = (sqlTime: string) => Date.parse(`${sqlTime.replace(" ", "T")}Z`);

test("clock_synced_file missing: nothing fires and daemon status says it waits; created: the schedule fires within a second or two", async () => {
  env = daemonDir();
  const db = join(env.dir, "picoflow.db");
  // timesyncd's folder exists (it runs) but it has not synchronised yet.
  mkdirSync(join(env.dir, "timesync"));
  const flag = join(env.dir, "timesync", "synchronized");
  env.write("picoflow.toml", `[system]\nclock_synced_file = "timesync/synchronized"\n`);
  const file = env.write("tick.yaml", workflowYaml("tick", "* * * * * *", shellTask("hello", "true")));
  // At debug level the daemon logs each time it asks the clock again (once a second).
  const daemon = env.start([file], { PICOFLOW_LOG_LEVEL: "debug" });
  await started(daemon);
  const waiting = await daemon.waitForLog((line) => line.msg.startsWith("waiting for the clock to be synchronised"));
  expect(waiting.reason).toBe(`${flag} does not exist yet`);

  const status = await runCli(["--db-path", db, "daemon", "status"], { cwd: env.dir });
  expect(status.exitCode).toBe(0);
  expect(status.stdout).toContain(`Next scheduled run: waiting for the clock to be synchronised (${flag} does not exist yet)`);
  const listed = JSON.parse((await runCli(["--db-path", db, "workflow", "list", "--format", "json"], { cwd: env.dir })).stdout);
  expect(listed.daemon.waiting_for_clock).toBe(`${flag} does not exist yet`);
  // An every-second schedule, and a few seconds pass: nothing runs, nothing is caught up.
  // "A few seconds" is counted by the daemon itself: six more looks at the clock, each still
  // refusing it, show its timers ran all that while. Nothing changed meanwhile, so the state
  // file (beside the database, on an SD card) was not rewritten either.
  const polls = () => daemon.logs().filter((line) => line.msg === "the clock is still not trusted");
  await waitFor(() => polls().length >= 1, 15_000, "the daemon to ask the clock again");
  const stateWrites: string[] = [];
  const watcher = watch(env.dir, (_event, name) => {
    if (name === "picoflow-daemon.json") stateWrites.push(name);
  });
  const counted = polls().length;
  await waitFor(() => polls().length >= counted + 6, 20_000, "the daemon to ask the clock six more times");
  watcher.close();
  expect(stateWrites).toEqual([]);
  expect(polls().every((line) => line.reason === `${flag} does not exist yet`)).toBe(true);
  expect(readStateFile(join(env.dir, "picoflow-daemon.json"))?.waitingForClock).toBe(`${flag} does not exist yet`);
  expect(executions(db)).toEqual([]);
  // Said once, not at every second.
  expect(daemon.logs().filter((line) => line.msg.startsWith("waiting for the clock"))).toHaveLength(1);

  writeFileSync(flag, "");
  const syncedAt = Date.now();
  const [first] = await waitFor(() => {
    const rows = executions(db, "tick");
    return rows.length > 0 && rows;
  }, 10_000, "the first scheduled run");
  expect(ms((first as { started_at: string }).started_at) - syncedAt).toBeLessThan(3000);
  await daemon.waitForLog((line) => line.msg === "the clock is synchronised; schedules start");
  const after = await runCli(["--db-path", db, "daemon", "status"], { cwd: env.dir });
  await waitFor(async () => !(await runCli(["--db-path", db, "daemon", "status"], { cwd: env.dir })).stdout.includes("waiting for the clock"), 5000, "status to stop saying it waits");
  expect(after.exitCode).toBe(0);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 60_000);
