/** One recovery path: take over from a dead owner, kill its leftovers once, note who recovered, hand back to resume. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { recoverExecution } from "../../src/execution/recover.ts";
import { silentLogger } from "../../src/observability/logger.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import type { WorkflowExecutionRow } from "../../src/store/types.ts";
import { currentProcess, type ProcessIdentity } from "../../src/util/process-identity.ts";
import { tempDir } from "../helpers/cli.ts";
import { exitedWithin, startSleeper } from "../helpers/marked-process.ts";

let temp: ReturnType<typeof tempDir>;
let store: SqliteStore;
const children: Bun.Subprocess[] = [];

beforeEach(() => {
  temp = tempDir();
  store = SqliteStore.open(join(temp.dir, "picoflow.db"));
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  store.close();
  temp.cleanup();
});

/** This PID with another start time: the process that recorded it is gone. */
const deadOwner: ProcessIdentity = { pid: process.pid, startTicks: "1" };

function crashedExecution(owner: ProcessIdentity): WorkflowExecutionRow {
  const id = crypto.randomUUID();
  store.createExecution({ id, workflowName: "wf", workflowFile: "wf.yaml", startedAt: new Date(), logDir: temp.dir, owner, trigger: "manual", scheduledFor: undefined });
  store.startAttempt({ id: `${id}-a`, executionId: id, taskName: "long", attempt: 1, startedAt: new Date(), logPath: undefined });
  return store.findExecution(id) as WorkflowExecutionRow;
}

/** A task process of the execution, as its dead owner would have left it. */
async function markedSleeper(executionId: string): Promise<Bun.Subprocess> {
  const child = await startSleeper("1013", { detached: true, env: { PICOFLOW_EXECUTION_ID: executionId, PICOFLOW_TASK: "long" } });
  children.push(child);
  return child;
}

describe("recoverExecution", () => {
  test("run --resume takes over, kills what the dead owner left once, and says it recovered the attempts", async () => {
    const execution = crashedExecution(deadOwner);
    const leftover = await markedSleeper(execution.id);
    let scans = 0;
    const recovery = await recoverExecution(store, execution, {
      by: "run --resume",
      resume: true,
      logger: silentLogger(),
      findProcesses: (id) => {
        scans++;
        return id === execution.id ? [{ pid: leftover.pid, task: "long" }] : [];
      },
    });
    expect(recovery.kind).toBe("recovered");
    expect(scans).toBe(1);
    expect(await exitedWithin(leftover, 2000)).toBe(true);
    const [attempt] = store.taskExecutions(execution.id);
    expect(attempt?.status).toBe("Interrupted");
    expect(attempt?.error).toContain("recovered by run --resume");
    expect(attempt?.error).not.toContain("daemon");
    // Ours now: Running under this process, recorded as a resume.
    const row = store.findExecution(execution.id);
    expect(row?.status).toBe("Running");
    expect(row?.owner).toEqual(currentProcess());
    expect(row?.trigger).toBe("resume");
  });

  test("at daemon start without its workflow loaded it is left Interrupted, noted as recovered at daemon start", async () => {
    const execution = crashedExecution(deadOwner);
    const leftover = await markedSleeper(execution.id);
    const recovery = await recoverExecution(store, execution, { by: "daemon start", resume: false, logger: silentLogger() });
    expect(recovery.kind).toBe("recovered");
    expect(await exitedWithin(leftover, 2000)).toBe(true);
    expect(store.findExecution(execution.id)?.status).toBe("Interrupted");
    expect(store.taskExecutions(execution.id)[0]?.error).toContain("(recovered at daemon start)");
  });

  test("an execution whose owner lives is not touched, nor are its processes", async () => {
    const execution = crashedExecution(currentProcess());
    const running = await markedSleeper(execution.id);
    const recovery = await recoverExecution(store, execution, { by: "daemon start", resume: true, logger: silentLogger() });
    expect(recovery).toEqual({ kind: "owner-alive", owner: currentProcess() });
    expect(await exitedWithin(running, 200)).toBe(false);
    expect(store.taskExecutions(execution.id)[0]?.status).toBe("Running");
  });

  test("of two recoverers of one execution exactly one wins; the other kills nothing", async () => {
    const execution = crashedExecution(deadOwner);
    const first = await recoverExecution(store, execution, { by: "daemon start", resume: true, logger: silentLogger() });
    // The second saw the row before the first took it over.
    const later = await markedSleeper(execution.id);
    const second = await recoverExecution(store, execution, { by: "run --resume", resume: true, logger: silentLogger() });
    expect(first.kind).toBe("recovered");
    expect(second.kind).toBe("taken");
    expect(await exitedWithin(later, 200)).toBe(false);
  });
});
