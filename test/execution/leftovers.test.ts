import { afterEach, describe, expect, test } from "bun:test";
import { killLeftovers } from "../../src/execution/leftovers.ts";
import type { TaskExecutionRow } from "../../src/store/types.ts";
import { exitedWithin, startSleeper } from "../helpers/marked-process.ts";

const children: Bun.Subprocess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

async function sleeper(detached: boolean, env: Record<string, string> = {}): Promise<Bun.Subprocess> {
  const child = await startSleeper("1011", { detached, env });
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

describe("leftover task processes", () => {
  test("the attempt's own process group is killed", async () => {
    const child = await sleeper(true);
    expect(await killRecorded([row(child.pid, new Date())])).toBe(1);
    expect(await exitedWithin(child, 2000)).toBe(true);
  });

  test("a live process that started long after the attempt (a reused PID) is left alone", async () => {
    const child = await sleeper(true);
    expect(await killRecorded([row(child.pid, new Date(Date.now() - 3_600_000))])).toBe(0);
    expect(await exitedWithin(child, 300)).toBe(false);
  });

  test("a process that does not lead its own group is left alone", async () => {
    const child = await sleeper(false);
    expect(await killRecorded([row(child.pid, new Date())])).toBe(0);
    expect(await exitedWithin(child, 300)).toBe(false);
  });

  test("rows without a process, or whose process is gone, are skipped", async () => {
    expect(await killRecorded([{ ...row(1, new Date()), processPid: undefined }, row(2 ** 22 + 7, new Date())])).toBe(0);
  });

  test("a process carrying the execution's marker is killed though its PID was never recorded", async () => {
    const executionId = crypto.randomUUID();
    const unrecorded = await sleeper(true, { PICOFLOW_EXECUTION_ID: executionId, PICOFLOW_TASK: "late" });
    // Forked by a task and moved out of its group: found by the marker it inherited.
    const escaped = await sleeper(false, { PICOFLOW_EXECUTION_ID: executionId, PICOFLOW_TASK: "late" });
    expect(await killLeftovers({ rows: [], executionId })).toBe(2);
    expect(await exitedWithin(unrecorded, 2000)).toBe(true);
    expect(await exitedWithin(escaped, 2000)).toBe(true);
  });

  test("processes of other executions are never killed: the id must match exactly", async () => {
    const executionId = crypto.randomUUID();
    const others = await Promise.all([
      sleeper(true, { PICOFLOW_EXECUTION_ID: `${executionId}0` }),
      sleeper(true, { PICOFLOW_EXECUTION_ID: executionId.slice(0, -1) }),
      sleeper(true, { PICOFLOW_EXECUTION_ID: crypto.randomUUID(), PICOFLOW_TASK: executionId }),
    ]);
    expect(await killLeftovers({ rows: [], executionId })).toBe(0);
    for (const other of others) expect(await exitedWithin(other, 200)).toBe(false);
  });
});
