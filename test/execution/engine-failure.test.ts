/**
 * Whatever breaks inside the engine, the execution ends in a final state: a failure the engine
 * cannot turn into a task outcome (here a start check that throws, standing in for a bug) leaves
 * the execution Interrupted with a note, never Running, and keeps what was recorded before.
 */
import { afterEach, expect, test } from "bun:test";
import type { Task } from "../../src/workflow/model.ts";
import { EngineHarness } from "../helpers/engine.ts";

let harness: EngineHarness | undefined;
afterEach(() => harness?.dispose());

test("an internal failure mid-run ends the execution Interrupted and keeps the finished task", async () => {
  harness = new EngineHarness();
  const workflow = harness.workflow(`name: breaks
tasks:
  - {name: first, type: shell, config: {command: /bin/echo, args: [one]}}
  - {name: second, type: shell, depends_on: [first], config: {command: /bin/echo, args: [two]}}
`);
  const gate = {
    pollMs: 50,
    check: (task: Task) => {
      if (task.name === "second") throw new Error("start check broke");
      return undefined;
    },
  };
  await expect(harness.run(workflow, { gate })).rejects.toThrow("start check broke");
  const [execution] = harness.store.listExecutions({ workflow: "breaks", limit: 1 });
  if (!execution) throw new Error("the execution was not recorded");
  expect(harness.execution(execution.id).status).toBe("Interrupted");
  expect(harness.execution(execution.id).finished_at).not.toBeNull();
  const rows = harness.rows(execution.id);
  expect(rows.map((row) => [row.task_name, row.status])).toEqual([["first", "Success"]]);
});
