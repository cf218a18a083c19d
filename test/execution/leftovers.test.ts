import { afterEach, describe, expect, test } from "bun:test";
import { killLeftoverProcesses } from "../../src/execution/leftovers.ts";
import type { TaskExecutionRow } from "../../src/store/types.ts";

const children: Bun.Subprocess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function sleeper(detached: boolean): Bun.Subprocess {
  const child = Bun.spawn(["sleep", "1011"], { detached, stdio: ["ignore", "ignore", "ignore"] });
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

const exitedWithin = (child: Bun.Subprocess, ms: number) => Promise.race([child.exited.then(() => true), Bun.sleep(ms).then(() => false)]);

describe("leftover task processes", () => {
  test("the attempt's own process group is killed", async () => {
    const child = sleeper(true);
    expect(killLeftoverProcesses([row(child.pid, new Date())])).toBe(1);
    expect(await exitedWithin(child, 2000)).toBe(true);
  });

  test("a live process that started long after the attempt (a reused PID) is left alone", async () => {
    const child = sleeper(true);
    expect(killLeftoverProcesses([row(child.pid, new Date(Date.now() - 3_600_000))])).toBe(0);
    expect(await exitedWithin(child, 300)).toBe(false);
  });

  test("a process that does not lead its own group is left alone", async () => {
    const child = sleeper(false);
    expect(killLeftoverProcesses([row(child.pid, new Date())])).toBe(0);
    expect(await exitedWithin(child, 300)).toBe(false);
  });

  test("rows without a process, or whose process is gone, are skipped", () => {
    expect(killLeftoverProcesses([{ ...row(1, new Date()), processPid: undefined }, row(2 ** 22 + 7, new Date())])).toBe(0);
  });
});
