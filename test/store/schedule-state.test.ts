/** Schedule state, gate waits and the trigger columns: in a new file and in one written before they existed. */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { tempDir } from "../helpers/cli.ts";

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir("picoflow-schedule-state-");
});
afterEach(() => temp.cleanup());

test("an existing file gains the columns and tables; its old executions have no trigger", () => {
  const path = join(temp.dir, "picoflow.db");
  const before = MIGRATIONS.findIndex((sql) => sql.includes("ADD COLUMN trigger"));
  const old = new Database(path, { create: true });
  for (const sql of MIGRATIONS.slice(0, before)) old.run(sql);
  old.run(`PRAGMA user_version = ${before}`);
  old.run("INSERT INTO workflow_executions (id, workflow_name, started_at, status) VALUES ('old-1', 'nightly', '2025-11-01 02:00:00', 'Success')");
  old.close();

  const store = SqliteStore.open(path);
  try {
    expect(store.findExecution("old-1")).toMatchObject({ trigger: undefined, scheduledFor: undefined, status: "Success" });
    expect(store.lastFired("nightly")).toBeUndefined();
    store.recordFired("nightly", new Date("2025-11-12T02:00:00Z"));
    // Never backwards: a clock stepped back cannot make a fired time due again.
    store.recordFired("nightly", new Date("2025-11-10T02:00:00Z"));
    expect(store.lastFired("nightly")?.toISOString()).toBe("2025-11-12T02:00:00.000Z");
    // A catch-up backlog is kept with it, oldest first, until it is cleared.
    expect(store.catchupBacklog("nightly")).toEqual([]);
    const backlog = [new Date("2025-11-11T02:00:00Z"), new Date("2025-11-12T02:00:00Z")];
    store.recordCatchupBacklog("nightly", backlog);
    expect(store.catchupBacklog("nightly")).toEqual(backlog);
    store.recordCatchupBacklog("nightly", []);
    expect(store.catchupBacklog("nightly")).toEqual([]);
  } finally {
    store.close();
  }
  const reader = new Database(path, { readonly: true });
  try {
    expect(reader.query("SELECT last_fired_at FROM schedule_state WHERE workflow_name = 'nightly'").get()).toEqual({ last_fired_at: "2025-11-12 02:00:00.000" });
  } finally {
    reader.close();
  }
});

test("waiting tasks are kept while they wait and cleared when they start", () => {
  const store = SqliteStore.open(join(temp.dir, "picoflow.db"));
  try {
    store.createExecution({
      id: "e1",
      workflowName: "w",
      workflowFile: "/w.yaml",
      startedAt: new Date(),
      logDir: temp.dir,
      owner: { pid: process.pid, startTicks: "1" },
      trigger: "catchup",
      scheduledFor: new Date("2026-01-01T02:00:00Z"),
    });
    const since = new Date("2026-01-01T02:00:01Z");
    store.recordWaiting({ executionId: "e1", taskName: "a", reason: "load 3.00 > 2", since });
    store.recordWaiting({ executionId: "e1", taskName: "a", reason: "load 2.50 > 2", since });
    store.recordWaiting({ executionId: "e1", taskName: "b", reason: "temperature 80.0 °C > 75 °C", since });
    expect(store.waitingTasks("e1").map((wait) => [wait.taskName, wait.reason])).toEqual([
      ["a", "load 2.50 > 2"],
      ["b", "temperature 80.0 °C > 75 °C"],
    ]);
    store.clearWaiting("e1", "a");
    expect(store.waitingTasks("e1").map((wait) => wait.taskName)).toEqual(["b"]);
    store.clearWaiting("e1");
    expect(store.waitingTasks("e1")).toEqual([]);
    expect(store.findExecution("e1")).toMatchObject({ trigger: "catchup", scheduledFor: new Date("2026-01-01T02:00:00Z") });
  } finally {
    store.close();
  }
});
