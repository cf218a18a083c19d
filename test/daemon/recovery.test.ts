/** Crash recovery: kill -9 mid-run, restart, nothing stays Running and the run resumes where it stopped. */
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { processExists } from "../helpers/engine.ts";
import { cronAt, type DaemonProcess, daemonDir, executions, queryDb, secondAfter, shellTask, started, tasks, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

const chain = (marker: string) =>
  shellTask("first", "sh", ["-c", `echo ran >> ${marker}`]) +
  shellTask("second", "sleep", ["4.013"], "    depends_on: [first]\n") +
  shellTask("third", "echo", ["done"], "    depends_on: [second]\n");

function processRecorded(dbPath: string, task: string): boolean {
  return queryDb(dbPath, (db) => db.query("SELECT 1 FROM task_executions WHERE task_name = ? AND process_pid IS NOT NULL").get(task) !== null);
}

/** kill -9 the daemon once the chain's second task runs (its process started and recorded), so it is really left behind. */
async function killOnceSecondTaskRuns(daemon: DaemonProcess): Promise<void> {
  await daemon.waitForLog((line) => line.msg === "task attempt started" && line.task === "second", 20_000);
  await waitFor(() => processExists("sleep 4.013"), 10_000, "the second task's process");
  // Recorded too (its PID rides a write batch), so the restart can find and kill what it left.
  await waitFor(() => processRecorded(join(env.dir, "picoflow.db"), "second"), 10_000, "the second task's PID in the history");
  daemon.proc.kill("SIGKILL");
}

/** The chain on `schedule` in a daemon killed with SIGKILL while the second task runs: its file, database and the execution left Running. */
async function crashedChain(schedule: string, marker: string) {
  const file = env.write("chain.yaml", workflowYaml("chain", schedule, chain(marker)));
  const db = join(env.dir, "picoflow.db");
  const first = env.start([file]);
  await started(first);
  await killOnceSecondTaskRuns(first);
  await first.exited;
  const [crashed] = executions(db, "chain");
  return { file, db, crashed };
}

test("after kill -9 mid-task a restart marks the run Interrupted, then resumes it without re-running what succeeded", async () => {
  env = daemonDir();
  const marker = join(env.dir, "first-ran.txt");
  const { file, db, crashed } = await crashedChain(cronAt(secondAfter(2500)), marker);
  expect(crashed?.status).toBe("Running");

  // The fire second has passed, so the restarted daemon never fires this workflow itself: any run is the resume.
  const second = env.start([file]);
  await started(second);
  await second.waitForLog((line) => line.msg === "execution left Running by a dead process marked Interrupted; resuming it");
  // The crashed daemon's `sleep` outlived it; recovery kills it before the task runs again.
  await second.waitForLog((line) => line.msg === "killed task processes the dead owner left running" && line.killed === 1);
  const done = await waitFor(() => {
    const rows = executions(db, "chain");
    return rows.length === 1 && rows[0]?.status === "Success" && rows[0];
  }, 20_000, "the resumed execution to succeed");
  expect(done.id).toBe(crashed?.id as string);
  const rows = tasks(db, done.id).map((row) => [row.task_name, row.attempt, row.status]);
  expect(rows).toEqual([
    ["first", 1, "Success"],
    ["second", 1, "Interrupted"],
    ["second", 2, "Success"],
    ["third", 1, "Success"],
  ]);
  expect(await Bun.file(marker).text()).toBe("ran\n");
  // The attempt cut short says who recovered it.
  expect(tasks(db, done.id).find((row) => row.status === "Interrupted")?.error).toBe(
    "interrupted: the process running it stopped without finishing (recovered at daemon start)",
  );
  second.proc.kill("SIGTERM");
  expect(await second.exited).toBe(0);
}, 60_000);

test("an orphan of a workflow the daemon does not load is marked Interrupted and left for run --resume", async () => {
  env = daemonDir();
  const marker = join(env.dir, "first-ran.txt");
  const file = env.write("chain.yaml", workflowYaml("chain", cronAt(secondAfter(2500)), chain(marker)));
  const other = env.write("other.yaml", workflowYaml("other", undefined, shellTask("noop", "true")));
  const db = join(env.dir, "picoflow.db");
  const first = env.start([file]);
  await started(first);
  await killOnceSecondTaskRuns(first);
  await first.exited;

  const second = env.start([other]);
  await started(second);
  const line = await second.waitForLog((entry) => entry.msg.startsWith("execution left Running by a dead process marked Interrupted; its workflow is not loaded"));
  const [orphan] = executions(db, "chain");
  expect(orphan?.status).toBe("Interrupted");
  expect(line.execution_id).toBe(orphan?.id as string);
  expect(tasks(db, orphan?.id as string).map((row) => row.status)).toEqual(["Success", "Interrupted"]);
  second.proc.kill("SIGTERM");
  expect(await second.exited).toBe(0);

  // And it can still be resumed by hand.
  const resumed = await runCli(["--db-path", db, "run", "--resume", orphan?.id as string], { cwd: env.dir });
  expect(resumed.exitCode).toBe(0);
  expect(executions(db, "chain")[0]?.status).toBe("Success");
}, 60_000);

test("an execution owned by a live process is not touched by recovery", async () => {
  env = daemonDir();
  const db = join(env.dir, "picoflow.db");
  const slow = env.write("slow.yaml", workflowYaml("slow", undefined, shellTask("nap", "sleep", ["3"])));
  const run = Bun.spawn([process.execPath, join(import.meta.dir, "../../src/main.ts"), "--db-path", db, "run", slow], {
    cwd: env.dir,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  await waitFor(() => executions(db, "slow")[0]?.status === "Running", 15_000, "the run to be recorded");
  const daemon = env.start([slow]);
  await started(daemon);
  expect(daemon.logs().some((line) => line.msg.startsWith("execution left Running"))).toBe(false);
  expect(await run.exited).toBe(0);
  expect(executions(db, "slow")[0]?.status).toBe("Success");
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 60_000);

test("after kill -9 the resumed execution runs first; the fire time missed meanwhile runs after it, not skipped", async () => {
  env = daemonDir();
  const { file, db, crashed } = await crashedChain("*/2 * * * * *", join(env.dir, "first-ran.txt"));
  // Down past at least one fire time (the downtime is the scenario).
  const lastFired = queryDb(db, (d) => d.query("SELECT last_fired_at FROM schedule_state").get() as { last_fired_at: string });
  await Bun.sleep(Math.max(0, Date.parse(`${lastFired.last_fired_at.replace(" ", "T")}Z`) + 2500 - Date.now()));

  const second = env.start([file]);
  await second.waitForLog((line) => line.msg === "execution left Running by a dead process marked Interrupted; resuming it");
  // The missed time's catch-up finds the resumed execution running: it waits instead of being dropped.
  const deferred = await second.waitForLog((line) => line.msg === "catch-up run waits for the running execution of this workflow");
  const caughtUp = await waitFor(() => {
    const run = executions(db, "chain").find((row) => row.trigger === "catchup");
    return run?.status === "Success" && run;
  }, 30_000, "the caught-up run to succeed");
  expect(caughtUp.scheduled_for).not.toBeNull();
  expect(Date.parse(`${(caughtUp.scheduled_for as string).replace(" ", "T")}Z`)).toBe(Date.parse(deferred.scheduled_at as string));
  const resumed = executions(db, "chain").find((row) => row.id === crashed?.id);
  expect(resumed?.status).toBe("Success");
  // One after the other: the caught-up run started once the resumed one had finished.
  expect(caughtUp.started_at >= (resumed?.finished_at as string)).toBe(true);
  expect(executions(db, "chain").filter((row) => row.trigger === "catchup")).toHaveLength(1);
  second.proc.kill("SIGTERM");
  expect(await second.exited).toBe(0);
}, 90_000);
