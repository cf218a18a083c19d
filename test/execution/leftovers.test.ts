import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { killLeftovers } from "../../src/execution/leftovers.ts";
import type { TaskExecutionRow } from "../../src/store/types.ts";

const children: Bun.Subprocess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function sleeper(detached: boolean, env: Record<string, string> = {}): Bun.Subprocess {
  const child = Bun.spawn(["sleep", "1011"], { detached, stdio: ["ignore", "ignore", "ignore"], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

function row(processPid: number, startedAt: Date): TaskExecutionRow {
  return {
    id: "r",
    executionId: "e",
    taskName: "t",
    status: "Interrupted",
    startedAt,
    finishedAt: undefined,
    exitCode: undefined,
    stdout: "",
    stderr: "",
    attempt: 1,
    durationSeconds: undefined,
    error: undefined,
    failureKind: undefined,
    logPath: undefined,
    processPid,
    handler: undefined,
    output: undefined,
  };
}

/** Only the recorded PIDs: no process carries this test's execution id. */
const killRecorded = (rows: TaskExecutionRow[]) => killLeftovers({ rows, executionId: "e", find: () => [] });

/** Until the child has exec'd, /proc shows the environment of its parent (us), without the marker. */
async function execed(child: Bun.Subprocess): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !readFileSync(`/proc/${child.pid}/cmdline`, "latin1").startsWith("sleep")) await Bun.sleep(2);
}

const exitedWithin = (child: Bun.Subprocess, ms: number) => Promise.race([child.exited.then(() => true), Bun.sleep(ms).then(() => false)]);

describe("leftover task processes", () => {
  test("the attempt's own process group is killed", async () => {
    const child = sleeper(true);
    expect(await killRecorded([row(child.pid, new Date())])).toBe(1);
    expect(await exitedWithin(child, 2000)).toBe(true);
  });

  test("a live process that started long after the attempt (a reused PID) is left alone", async () => {
    const child = sleeper(true);
    expect(await killRecorded([row(child.pid, new Date(Date.now() - 3_600_000))])).toBe(0);
    expect(await exitedWithin(child, 300)).toBe(false);
  });

  test("a process that does not lead its own group is left alone", async () => {
    const child = sleeper(false);
    expect(await killRecorded([row(child.pid, new Date())])).toBe(0);
    expect(await exitedWithin(child, 300)).toBe(false);
  });

  test("rows without a process, or whose process is gone, are skipped", async () => {
    expect(await killRecorded([{ ...row(1, new Date()), processPid: undefined }, row(2 ** 22 + 7, new Date())])).toBe(0);
  });

  test("a process carrying the execution's marker is killed though its PID was never recorded", async () => {
    const executionId = crypto.randomUUID();
    const unrecorded = sleeper(true, { PICOFLOW_EXECUTION_ID: executionId, PICOFLOW_TASK: "late" });
    // Forked by a task and moved out of its group: found by the marker it inherited.
    const escaped = sleeper(false, { PICOFLOW_EXECUTION_ID: executionId, PICOFLOW_TASK: "late" });
    await Promise.all([execed(unrecorded), execed(escaped)]);
    expect(await killLeftovers({ rows: [], executionId })).toBe(2);
    expect(await exitedWithin(unrecorded, 2000)).toBe(true);
    expect(await exitedWithin(escaped, 2000)).toBe(true);
  });

  test("processes of other executions are never killed: the id must match exactly", async () => {
    const executionId = crypto.randomUUID();
    const others = [
      sleeper(true, { PICOFLOW_EXECUTION_ID: `${executionId}0` }),
      sleeper(true, { PICOFLOW_EXECUTION_ID: executionId.slice(0, -1) }),
      sleeper(true, { PICOFLOW_EXECUTION_ID: crypto.randomUUID(), PICOFLOW_TASK: executionId }),
    ];
    await Promise.all(others.map(execed));
    expect(await killLeftovers({ rows: [], executionId })).toBe(0);
    for (const other of others) expect(await exitedWithin(other, 200)).toBe(false);
  });
});
