/** A full disk under the daemon: the task warns, the run is recorded to its end, and a stop leaves nothing Running. */
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { canMountTmpfs, mountTmpfs, SKIP_REASON, unmount } from "../helpers/tmpfs.ts";
import { cronAt, daemonDir, executions, secondAfter, shellTask, started, tasks, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir> | undefined;
let mounted: string | undefined;
afterEach(async () => {
  if (mounted) unmount(mounted);
  mounted = undefined;
  await env?.cleanup();
});

test.skipIf(!canMountTmpfs)(`ENOSPC on a task's log under the daemon: warned, recorded, final after daemon stop (skipped unless ${SKIP_REASON})`, async () => {
  env = daemonDir();
  env.write("picoflow.toml", "[metrics]\nport = 0\n");
  const logs = join(env.dir, "logs");
  if (!mountTmpfs(logs, "256k")) {
    console.warn(`skipping: ${SKIP_REASON}`);
    return;
  }
  mounted = logs;
  const fireAt = secondAfter(2500);
  const big = shellTask("big", "/bin/sh", ["-c", "head -c 2000000 /dev/zero | tr '\\0' x; echo done"]);
  const after = shellTask("after", "/bin/echo", ["after"], "    depends_on: [big]\n");
  const file = env.write("full.yaml", workflowYaml("full", cronAt(fireAt), big + after));
  const daemon = env.start([file]);
  await started(daemon);
  await daemon.waitForLog((line) => line.msg === "workflow finished" && line.workflow === "full", 30_000);
  const warning = daemon.logs().find((line) => line.msg === "task log file could not be written");
  expect(String(warning?.warning)).toContain("no space left on device (ENOSPC)");
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
  const db = join(env.dir, "picoflow.db");
  const runs = executions(db, "full");
  expect(runs.map((run) => run.status)).toEqual(["Success"]);
  expect(tasks(db, runs[0]?.id as string).map((row) => [row.task_name, row.status])).toEqual([
    ["big", "Success"],
    ["after", "Success"],
  ]);
  expect(daemon.stderr()).not.toContain("internal error");
}, 60_000);
