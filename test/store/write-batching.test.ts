/**
 * When the store's batched attempt rows become visible to other processes (a second
 * connection on the same real SQLite file stands in for `picoflow status` or a resume).
 */
import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { currentProcess } from "../../src/util/process-identity.ts";
import { tempDir } from "../helpers/cli.ts";

let temp: ReturnType<typeof tempDir>;
let store: SqliteStore;
let reader: Database;
const EXECUTION = "exec-1";

beforeEach(() => {
  temp = tempDir();
  const path = join(temp.dir, "picoflow.db");
  store = SqliteStore.open(path);
  store.createExecution({
    id: EXECUTION,
    workflowName: "wf",
    workflowFile: "wf.yaml",
    startedAt: new Date(),
    logDir: temp.dir,
    owner: currentProcess(),
    trigger: "manual",
    scheduledFor: undefined,
  });
  reader = new Database(path, { readonly: true });
});

afterEach(() => {
  reader.close();
  store.close();
  temp.cleanup();
});

const statusSeenByOthers = (id: string) =>
  (reader.query("SELECT status FROM task_executions WHERE id = ?").get(id) as { status: string } | null)?.status;

function startAttempt(id: string, task: string): void {
  store.startAttempt({ id, executionId: EXECUTION, taskName: task, attempt: 1, startedAt: new Date(), logPath: undefined });
}

function finishAttempt(id: string): void {
  store.finishAttempt(id, {
    status: "Success",
    finishedAt: new Date(),
    exitCode: 0,
    stdout: "",
    stderr: "",
    error: undefined,
    failureKind: undefined,
  });
}

describe("batched attempt rows", () => {
  test("attempt rows reach other readers within moments, in the order they were written", async () => {
    startAttempt("a1", "first");
    store.recordAttemptProcess("a1", 101);
    finishAttempt("a1");
    startAttempt("b1", "second");
    store.recordAttemptProcess("b1", 102);

    // One batch: whenever `second` is visible as started, `first` is visible as finished.
    const deadline = Date.now() + 2000;
    while (statusSeenByOthers("b1") === undefined && Date.now() < deadline) {
      expect(statusSeenByOthers("a1")).toBeUndefined();
      await Bun.sleep(1);
    }
    expect(statusSeenByOthers("a1")).toBe("Success");
    expect(statusSeenByOthers("b1")).toBe("Running");
    expect(reader.query("SELECT process_pid FROM task_executions WHERE id = 'b1'").get()).toEqual({ process_pid: 102 });
  });

  test("a running process's PID is committed even while nothing else is written", async () => {
    startAttempt("a1", "long");
    store.recordAttemptProcess("a1", 4242);
    const pidSeenByOthers = () =>
      (reader.query("SELECT process_pid FROM task_executions WHERE id = 'a1'").get() as { process_pid: number | null } | null)?.process_pid;
    const deadline = Date.now() + 2000;
    while (pidSeenByOthers() !== 4242 && Date.now() < deadline) await Bun.sleep(5);
    expect(pidSeenByOthers()).toBe(4242);
  });

  test("a finished attempt is committed within moments when nothing follows it", async () => {
    startAttempt("a1", "only");
    store.recordAttemptProcess("a1", 101);
    finishAttempt("a1");
    const deadline = Date.now() + 2000;
    while (statusSeenByOthers("a1") !== "Success" && Date.now() < deadline) await Bun.sleep(5);
    expect(statusSeenByOthers("a1")).toBe("Success");
  });

  test("an attempt that ends within the batch and one that ends after it are recorded alike", async () => {
    const startedAt = new Date("2026-11-27T10:00:00.000Z");
    const finishedAt = new Date("2026-11-27T10:00:01.250Z");
    const end = { status: "Failed", finishedAt, exitCode: 3, stdout: "out", stderr: "err", error: "exit code 3", failureKind: "exit-code" } as const;
    for (const id of ["quick", "slow"]) {
      store.startAttempt({ id, executionId: EXECUTION, taskName: id, attempt: 2, startedAt, logPath: `/logs/${id}.log` });
      store.recordAttemptProcess(id, 777);
      if (id === "slow") {
        const deadline = Date.now() + 2000;
        while (statusSeenByOthers(id) !== "Running" && Date.now() < deadline) await Bun.sleep(5);
        expect(statusSeenByOthers(id)).toBe("Running");
      }
      store.finishAttempt(id, end);
    }
    store.flush();
    const rowOf = (id: string) =>
      reader
        .query(
          `SELECT status, started_at, finished_at, exit_code, stdout, stderr, attempt, duration_seconds, error, failure_kind, log_path, process_pid
           FROM task_executions WHERE id = ?`,
        )
        .get(id) as Record<string, unknown>;
    expect(rowOf("quick")).toEqual({
      status: "Failed",
      started_at: "2026-11-27 10:00:00.000",
      finished_at: "2026-11-27 10:00:01.250",
      exit_code: 3,
      stdout: "out",
      stderr: "err",
      attempt: 2,
      duration_seconds: 1.25,
      error: "exit code 3",
      failure_kind: "exit-code",
      log_path: "/logs/quick.log",
      process_pid: 777,
    });
    const { log_path: slowLog, ...slow } = rowOf("slow");
    const { log_path: _quickLog, ...quick } = rowOf("quick");
    expect(slowLog).toBe("/logs/slow.log");
    expect(slow).toEqual(quick);
  });

  test("the store's own reads and the execution's end include every pending row", () => {
    startAttempt("a1", "first");
    finishAttempt("a1");
    store.recordSkipped({ id: "s1", executionId: EXECUTION, taskName: "after", at: new Date(), reason: "upstream task 'x' failed" });
    const rows = store.taskExecutions(EXECUTION).map((row) => `${row.taskName}:${row.status}`);
    expect(rows.sort()).toEqual(["after:Skipped", "first:Success"]);

    startAttempt("a2", "second");
    finishAttempt("a2");
    store.finishExecution(EXECUTION, "Success", new Date());
    expect(statusSeenByOthers("a2")).toBe("Success");
  });

  test("closing the store commits what is pending", () => {
    startAttempt("a1", "first");
    finishAttempt("a1");
    store.close();
    expect(statusSeenByOthers("a1")).toBe("Success");
    store = SqliteStore.open(join(temp.dir, "picoflow.db"));
  });

  test("a failed batch is reported to the execution whose rows failed, never to another one", async () => {
    // Rows of an execution that has no row of its own break the foreign key: its batch fails.
    const ghost = { id: "g1", executionId: "ghost", taskName: "lost", attempt: 1, startedAt: new Date(), logPath: undefined };
    store.startAttempt(ghost);
    startAttempt("a1", "kept");
    finishAttempt("a1");
    const deadline = Date.now() + 2000;
    while (statusSeenByOthers("a1") !== "Success" && Date.now() < deadline) await Bun.sleep(5);
    // The other execution's rows were committed on their own, and its calls go on working.
    expect(statusSeenByOthers("a1")).toBe("Success");
    expect(statusSeenByOthers("g1")).toBeUndefined();
    expect(() => store.finishExecution(EXECUTION, "Success", new Date())).not.toThrow();
    // The failing execution's next call says what happened to it.
    expect(() => store.recordSkipped({ id: "g2", executionId: "ghost", taskName: "after", at: new Date(), reason: "r" })).toThrow(
      /database write failed for execution ghost: .*FOREIGN KEY/,
    );
    // That call's own row fails too; nobody calls for the execution again, so closing reports it.
    expect(() => store.close()).toThrow(/execution ghost/);
    store = SqliteStore.open(join(temp.dir, "picoflow.db"));
  });

  test("an execution-level write reports its own batch's failure at once", () => {
    store.startAttempt({ id: "g1", executionId: "ghost", taskName: "lost", attempt: 1, startedAt: new Date(), logPath: undefined });
    expect(() => store.finishExecution("ghost", "Failed", new Date())).toThrow(/execution ghost/);
    // Reported once: nothing is left for the next caller, or for close.
    expect(() => store.finishExecution("ghost", "Failed", new Date())).not.toThrow();
  });
});
