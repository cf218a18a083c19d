import { afterAll, expect, test } from "bun:test";
import type { RunEvent } from "../../src/engine/events.ts";
import { EngineRunner, shellTask, workflowOf } from "../helpers/run-engine.ts";

const runner = new EngineRunner();
afterAll(() => runner.dispose());

test("the engine walks the plan it is given instead of sorting the tasks again", async () => {
  const listed = workflowOf("ordered", [shellTask("a", "/bin/true"), shellTask("b", "/bin/true")]);
  // Two independent tasks, one at a time: whichever the plan names first starts first.
  const workflow = { ...listed, maxParallel: 1, plan: { levels: [["b", "a"]], order: ["b", "a"] } };
  const events: RunEvent[] = [];
  const outcome = await runner.run(workflow, (event) => events.push(event));
  expect(outcome.status).toBe("Success");
  const started = events.flatMap((event) => (event.type === "attempt-started" ? [event.task] : []));
  expect(started).toEqual(["b", "a"]);
});
