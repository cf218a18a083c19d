/** SIGHUP re-reads the workflow files: new schedules and tasks take effect, a bad set is refused whole. */
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { daemonDir, executions, shellTask, started, tasks, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

/** A schedule that does not fire during the test: Jan 1st 00:00:00. */
const NEVER_DURING_TEST = "0 0 0 1 1 *";

test("SIGHUP picks up an edited file: the new schedule fires the new task", async () => {
  env = daemonDir();
  const file = env.write("job.yaml", workflowYaml("job", NEVER_DURING_TEST, shellTask("old_task", "echo", ["old"])));
  const db = join(env.dir, "picoflow.db");
  const daemon = env.start([file]);
  const start = await started(daemon);
  // What the daemon says it will do: the old schedule's next run is on January 1st, not during the test.
  const [loaded] = start.workflows as { name: string; next_run: string }[];
  expect(loaded?.name).toBe("job");
  expect(new Date(loaded?.next_run as string).getMonth()).toBe(0);
  expect(new Date(loaded?.next_run as string).getDate()).toBe(1);
  expect(executions(db, "job")).toHaveLength(0);

  writeFileSync(file, workflowYaml("job", "* * * * * *", shellTask("new_task", "echo", ["new"])));
  daemon.proc.kill("SIGHUP");
  const reloaded = await daemon.waitForLog((line) => line.msg === "reloaded workflow files");
  expect(reloaded.workflows).toEqual([{ name: "job", schedule: "* * * * * *" }]);
  const run = await waitFor(() => executions(db, "job").find((row) => row.status === "Success"), 15_000, "a run of the reloaded workflow");
  expect(tasks(db, run.id).map((row) => row.task_name)).toEqual(["new_task"]);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("SIGHUP with a file dropped into a watched folder adds its workflow", async () => {
  env = daemonDir();
  mkdirSync(join(env.dir, "flows"));
  writeFileSync(join(env.dir, "flows/a.yaml"), workflowYaml("a", NEVER_DURING_TEST, shellTask("t", "echo")));
  const daemon = env.start([join(env.dir, "flows")]);
  await started(daemon);
  writeFileSync(join(env.dir, "flows/b.yml"), workflowYaml("b", "* * * * * *", shellTask("t", "echo")));
  daemon.proc.kill("SIGHUP");
  const reloaded = await daemon.waitForLog((line) => line.msg === "reloaded workflow files");
  expect((reloaded.workflows as { name: string }[]).map((workflow) => workflow.name)).toEqual(["a", "b"]);
  await waitFor(() => executions(join(env.dir, "picoflow.db"), "b").some((row) => row.status === "Success"), 15_000, "a run of b");
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("a reload with a bad file keeps the old set running and logs why", async () => {
  env = daemonDir();
  const good = env.write("good.yaml", workflowYaml("good", "* * * * * *", shellTask("t", "echo", ["ok"])));
  const db = join(env.dir, "picoflow.db");
  const daemon = env.start([good]);
  await started(daemon);
  await waitFor(() => executions(db, "good").length >= 1, 15_000, "a first run");

  writeFileSync(good, workflowYaml("good", "61 * * * * *", shellTask("t", "echo", ["ok"])));
  daemon.proc.kill("SIGHUP");
  const failed = await daemon.waitForLog((line) => line.msg === "reload failed; keeping the workflows loaded before");
  expect(failed.kept).toEqual(["good"]);
  expect((failed.problems as string[]).some((problem) => problem.includes("good.yaml:2:") && problem.includes("schedule"))).toBe(true);
  const before = executions(db, "good").length;
  await waitFor(() => executions(db, "good").length >= before + 2, 15_000, "the old schedule to keep firing");
  expect(daemon.proc.exitCode).toBeNull();
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);
