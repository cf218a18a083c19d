/** Cron fires on time through the same engine as `run`, and a tick never overlaps a running execution. */
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { daemonDir, executions, shellTask, started, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

test("an every-second schedule fires every second, each run recorded like a `run`", async () => {
  env = daemonDir();
  const file = env.write("tick.yaml", workflowYaml("tick", "* * * * * *", shellTask("hello", "echo", ["hi"])));
  const daemon = env.start([file]);
  await started(daemon);
  const db = join(env.dir, "picoflow.db");
  const runs = await waitFor(() => {
    const rows = executions(db, "tick").filter((row) => row.status === "Success");
    return rows.length >= 4 && rows;
  }, 20_000, "4 successful runs");
  // One run per scheduled second, each started close after its second (generous: 2 shared cores).
  const seconds = runs.map((row) => Math.floor(Date.parse(`${row.started_at.replace(" ", "T")}Z`) / 1000));
  expect(new Set(seconds).size).toBe(seconds.length);
  for (const row of runs) {
    const startedMs = Date.parse(`${row.started_at.replace(" ", "T")}Z`);
    expect(startedMs % 1000).toBeLessThan(500);
  }
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("a tick that finds the previous run still going is skipped and logged", async () => {
  env = daemonDir();
  const file = env.write("slow.yaml", workflowYaml("slow", "* * * * * *", shellTask("nap", "sleep", ["3"])));
  const daemon = env.start([file]);
  await started(daemon);
  const db = join(env.dir, "picoflow.db");
  await waitFor(() => executions(db, "slow").some((row) => row.status === "Success") && executions(db, "slow").length >= 2, 20_000, "a finished run and its successor");
  const skips = daemon.logs().filter((line) => line.msg.startsWith("skipped a scheduled run"));
  expect(skips.length).toBeGreaterThanOrEqual(2);
  expect(skips[0]?.workflow).toBe("slow");
  // Never two at once: every run started after the one before it finished.
  const rows = executions(db, "slow");
  for (let index = 1; index < rows.length; index++) {
    const previous = rows[index - 1];
    expect(previous?.finished_at).not.toBeNull();
    expect((rows[index] as { started_at: string }).started_at >= (previous?.finished_at as string)).toBe(true);
  }
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);
