/** SIGTERM/SIGINT: no new runs, running tasks finish within the grace period or are interrupted and recorded. */
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cronAt, daemonDir, executions, queryDb, secondAfter, shellTask, started, tasks, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

test("SIGTERM mid-task lets the task finish, records Success and removes the PID and state files", async () => {
  env = daemonDir();
  const fireAt = secondAfter(2500);
  const file = env.write("nap.yaml", workflowYaml("nap", cronAt(fireAt), shellTask("nap", "sleep", ["3"]) + shellTask("after", "echo", ["done"], "    depends_on: [nap]\n")));
  const daemon = env.start([file]);
  await started(daemon);
  const db = join(env.dir, "picoflow.db");
  expect(existsSync(join(env.dir, "picoflow.pid"))).toBe(true);
  expect(existsSync(join(env.dir, "picoflow-daemon.json"))).toBe(true);
  await daemon.waitForLog((line) => line.msg === "task attempt started" && line.task === "nap", 20_000);
  daemon.proc.kill("SIGTERM");
  await daemon.waitForLog((line) => line.msg.startsWith("stopping: no new runs"));
  expect(await daemon.exited).toBe(0);
  const [run] = executions(db, "nap");
  expect(run?.status).toBe("Success");
  expect(tasks(db, run?.id as string).map((row) => [row.task_name, row.status])).toEqual([
    ["nap", "Success"],
    ["after", "Success"],
  ]);
  expect(existsSync(join(env.dir, "picoflow.pid"))).toBe(false);
  expect(existsSync(join(env.dir, "picoflow-daemon.json"))).toBe(false);
  // The database lock is released: another daemon could start now.
  expect(queryDb(db, (handle) => handle.query("SELECT COUNT(*) AS n FROM daemon_lock").get())).toEqual({ n: 0 });
}, 40_000);

test("past the grace period the task is killed and the execution recorded Interrupted", async () => {
  env = daemonDir();
  env.write("picoflow.toml", "[metrics]\nport = 0\n\n[daemon]\nshutdown_grace_seconds = 1\n");
  const fireAt = secondAfter(2500);
  const file = env.write("long.yaml", workflowYaml("long", cronAt(fireAt), shellTask("forever", "sleep", ["300"])));
  const daemon = env.start([file]);
  await started(daemon);
  await daemon.waitForLog((line) => line.msg === "task attempt started" && line.task === "forever", 20_000);
  const signalledAt = Date.now();
  daemon.proc.kill("SIGINT");
  expect(await daemon.exited).toBe(0);
  // 1 s grace, then TERM to the task's process group: well under the task's 300 s.
  expect(Date.now() - signalledAt).toBeLessThan(15_000);
  const db = join(env.dir, "picoflow.db");
  const [run] = executions(db, "long");
  expect(run?.status).toBe("Interrupted");
  expect(tasks(db, run?.id as string).map((row) => row.status)).toEqual(["Interrupted"]);
  expect(daemon.logs().some((line) => line.msg.startsWith("execution interrupted; resume it with: picoflow run --resume"))).toBe(true);
  expect(existsSync(join(env.dir, "picoflow.pid"))).toBe(false);
}, 40_000);

test("a second signal interrupts running tasks at once", async () => {
  env = daemonDir();
  const file = env.write("long.yaml", workflowYaml("long", cronAt(secondAfter(2500)), shellTask("forever", "sleep", ["300"])));
  const daemon = env.start([file]);
  await started(daemon);
  await daemon.waitForLog((line) => line.msg === "task attempt started", 20_000);
  daemon.proc.kill("SIGTERM");
  await daemon.waitForLog((line) => line.msg.startsWith("stopping"));
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
  await waitFor(() => executions(join(env.dir, "picoflow.db"), "long")[0]?.status === "Interrupted", 5000, "Interrupted");
}, 40_000);
