import { afterAll, expect, test } from "bun:test";
import { TIMER_LIMIT_MS, timerMs } from "../../src/util/duration.ts";
import { EngineHarness, yamlWorkflow } from "../helpers/engine.ts";

const harness = new EngineHarness();
afterAll(() => harness.dispose());

test("timerMs keeps every delay inside what setTimeout can hold", () => {
  expect(timerMs(3e12)).toBe(TIMER_LIMIT_MS);
  expect(timerMs(Number.POSITIVE_INFINITY)).toBe(TIMER_LIMIT_MS);
  expect(timerMs(-5)).toBe(0);
  expect(timerMs(Number.NaN)).toBe(0);
  expect(timerMs(1500)).toBe(1500);
});

test("a timeout longer than 2^31 ms does not fire at once", async () => {
  // max_seconds raised as far as settings allow and beyond: the attempt must still run to its end.
  const workflow = harness.workflow(
    yamlWorkflow("long_timeout", "  - {name: wait, type: shell, timeout: 2147483, config: {command: /bin/sleep, args: ['0.3']}}\n"),
    { maxTimeoutSeconds: 10_000_000 },
  );
  const task = workflow.tasks[0];
  if (task) (task as { timeoutMs: number }).timeoutMs = 5e12;
  const result = await harness.run(workflow);
  expect(result.status).toBe("Success");
  expect(harness.rows(result.executionId).map((row) => row.status)).toEqual(["Success"]);
});
