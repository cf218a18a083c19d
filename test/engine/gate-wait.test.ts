import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { StartGate } from "../../src/engine/gate-wait.ts";
import type { Task } from "../../src/workflow/model.ts";
import { EngineHarness, yamlWorkflow } from "../helpers/engine.ts";

let h: EngineHarness;
beforeEach(() => {
  h = new EngineHarness();
});
afterEach(() => h.dispose());

/** The injected check, driven here by a file the other task creates: the engine itself does no I/O. */
function gateOpenWhen(file: string, gated: string): StartGate {
  return { pollMs: 50, check: (task: Task) => (task.name !== gated || existsSync(file) ? undefined : "marker file missing") };
}

test("a task waiting on its gate holds no max_parallel slot and starts once the gate opens", async () => {
  const marker = join(h.folder.dir, "open");
  const tasks = `  - name: gated\n    type: shell\n    gate_timeout: 30s\n    config:\n      command: "true"\n  - name: opener\n    type: shell\n    config:\n      command: "touch"\n      args: [${JSON.stringify(marker)}]\n`;
  const result = await h.run(h.workflow(yamlWorkflow("gated", tasks, "  max_parallel: 1")), { gate: gateOpenWhen(marker, "gated") });
  expect(result.status).toBe("Success");
  const rows = h.rows(result.executionId);
  // With one slot, `opener` could only run while `gated` waited without holding it.
  expect(rows.map((row) => [row.task_name, row.status, row.attempt])).toEqual([
    ["opener", "Success", 1],
    ["gated", "Success", 1],
  ]);
  const waiting = h.events.filter((event) => event.type === "task-waiting");
  expect(waiting).toMatchObject([{ task: "gated", reason: "marker file missing" }]);
  expect(h.store.waitingTasks(result.executionId)).toEqual([]);
});

test("a gate that never opens fails the task after gate_timeout, without an attempt, and skips its downstream", async () => {
  const tasks = `  - name: gated\n    type: shell\n    retry: 2\n    gate_timeout: 1\n    config:\n      command: "true"\n  - name: after\n    type: shell\n    depends_on: [gated]\n    config:\n      command: "true"\n`;
  const result = await h.run(h.workflow(yamlWorkflow("closed", tasks)), { gate: { pollMs: 100, check: () => "temperature 81.2 °C > 75 °C" } });
  expect(result.status).toBe("Failed");
  const rows = h.rows(result.executionId);
  expect(rows.map((row) => [row.task_name, row.status, row.attempt])).toEqual([
    ["gated", "Failed", 0],
    ["after", "Skipped", 0],
  ]);
  expect(rows[0]?.error).toStartWith("gate closed: temperature 81.2 °C > 75 °C");
  // No retry is spent on a gate: no attempt ever started.
  expect(h.events.some((event) => event.type === "attempt-started" || event.type === "retry-scheduled")).toBe(false);
});
