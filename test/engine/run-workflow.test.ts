import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { EngineHarness, ms, yamlWorkflow } from "../helpers/engine.ts";

let h: EngineHarness;
beforeEach(() => {
  h = new EngineHarness();
});
afterEach(() => h.dispose());

function shell(name: string, command: string, args: string[], extra = ""): string {
  return `  - name: ${name}\n    type: shell\n${extra}    config:\n      command: ${JSON.stringify(command)}\n      args: ${JSON.stringify(args)}\n`;
}
const deps = (...names: string[]) => `    depends_on: [${names.join(", ")}]\n`;

/** Highest number of rows whose [start, end] intervals overlap at one instant. */
function maxOverlap(rows: { started_at: string; finished_at: string | null }[]): number {
  const points = rows.flatMap((row) => [
    { at: ms(row.started_at), delta: 1 },
    { at: ms(row.finished_at), delta: -1 },
  ]);
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let best = 0;
  for (const point of points) {
    current += point.delta;
    best = Math.max(best, current);
  }
  return best;
}

describe("parallelism", () => {
  test("max_parallel is never exceeded and is reached when the DAG allows", async () => {
    const tasks = Array.from({ length: 8 }, (_, i) => shell(`t${i}`, "sleep", ["0.4"])).join("");
    const result = await h.run(h.workflow(yamlWorkflow("wide", tasks, "  max_parallel: 3")));
    expect(result.status).toBe("Success");
    const rows = h.rows(result.executionId);
    expect(rows).toHaveLength(8);
    expect(maxOverlap(rows)).toBe(3);
  });

  test("max_parallel: 1 runs one task at a time", async () => {
    const tasks = Array.from({ length: 4 }, (_, i) => shell(`t${i}`, "sleep", ["0.1"])).join("");
    const result = await h.run(h.workflow(yamlWorkflow("serial", tasks, "  max_parallel: 1")));
    expect(maxOverlap(h.rows(result.executionId))).toBe(1);
  });

  test("a fast branch does not wait for a slow sibling", async () => {
    const tasks =
      shell("slow", "sleep", ["1.5"]) + shell("fast", "true", []) + shell("after_fast", "true", [], deps("fast"));
    const result = await h.run(h.workflow(yamlWorkflow("branches", tasks)));
    const rows = h.rows(result.executionId);
    const slow = rows.find((row) => row.task_name === "slow");
    const afterFast = rows.find((row) => row.task_name === "after_fast");
    expect(ms(afterFast?.finished_at ?? null)).toBeLessThan(ms(slow?.finished_at ?? null));
  });
});

describe("dependencies", () => {
  test("dependents never start before their dependencies succeed", async () => {
    const tasks =
      shell("a", "sleep", ["0.2"]) +
      shell("b", "sleep", ["0.3"], deps("a")) +
      shell("c", "sleep", ["0.1"], deps("a")) +
      shell("d", "true", [], deps("b", "c"));
    const result = await h.run(h.workflow(yamlWorkflow("diamond", tasks)));
    expect(result.status).toBe("Success");
    const byName = new Map(h.rows(result.executionId).map((row) => [row.task_name, row]));
    const start = (name: string) => ms(byName.get(name)?.started_at ?? null);
    const end = (name: string) => ms(byName.get(name)?.finished_at ?? null);
    expect(start("b")).toBeGreaterThanOrEqual(end("a"));
    expect(start("c")).toBeGreaterThanOrEqual(end("a"));
    expect(start("d")).toBeGreaterThanOrEqual(Math.max(end("b"), end("c")));
  });

  test("a failed task skips exactly its downstream; independent branches finish", async () => {
    const tasks =
      shell("root", "true", []) +
      shell("broken", "sh", ["-c", "exit 3"], deps("root")) +
      shell("below_broken", "true", [], deps("broken")) +
      shell("further_below", "true", [], deps("below_broken")) +
      shell("sibling", "true", [], deps("root")) +
      shell("independent", "sleep", ["0.3"]);
    const result = await h.run(h.workflow(yamlWorkflow("skips", tasks)));
    expect(result.status).toBe("Failed");
    const statuses = Object.fromEntries(h.rows(result.executionId).map((row) => [row.task_name, row.status]));
    expect(statuses).toEqual({
      root: "Success",
      broken: "Failed",
      below_broken: "Skipped",
      further_below: "Skipped",
      sibling: "Success",
      independent: "Success",
    });
    const broken = h.rows(result.executionId).find((row) => row.task_name === "broken");
    expect(broken?.exit_code).toBe(3);
    expect(result.summary).toMatchObject({ succeeded: 3, failed: 1, skipped: 2, tolerated: 0 });
    expect(h.execution(result.executionId).status).toBe("Failed");
  });

  test("continue_on_failure records Failed, runs dependents and does not fail the workflow", async () => {
    const tasks =
      shell("optional", "false", [], "    continue_on_failure: true\n") + shell("after", "true", [], deps("optional"));
    const result = await h.run(h.workflow(yamlWorkflow("tolerant", tasks)));
    expect(result.status).toBe("Success");
    expect(result.summary).toMatchObject({ succeeded: 1, tolerated: 1, failed: 0 });
    const statuses = Object.fromEntries(h.rows(result.executionId).map((row) => [row.task_name, row.status]));
    expect(statuses).toEqual({ optional: "Failed", after: "Success" });
  });
});

describe("retries", () => {
  test("retry N makes N+1 attempts, each its own row, with exponential backoff between them", async () => {
    const tasks = shell("flaky", "false", [], "    retry: 2\n");
    const workflow = h.workflow(yamlWorkflow("retries", tasks), { initialBackoffMs: 300, backoffMultiplier: 2 });
    const result = await h.run(workflow);
    expect(result.status).toBe("Failed");
    const rows = h.rows(result.executionId);
    expect(rows.map((row) => [row.attempt, row.status])).toEqual([
      [1, "Failed"],
      [2, "Failed"],
      [3, "Failed"],
    ]);
    const gap1 = ms(rows[1]?.started_at ?? null) - ms(rows[0]?.finished_at ?? null);
    const gap2 = ms(rows[2]?.started_at ?? null) - ms(rows[1]?.finished_at ?? null);
    expect(gap1).toBeGreaterThanOrEqual(290);
    expect(gap2).toBeGreaterThanOrEqual(590);
    // Generous upper bounds: shared machines are noisy.
    expect(gap1).toBeLessThan(300 + 1500);
    expect(gap2).toBeLessThan(600 + 1500);
    const delays = h.events.flatMap((event) => (event.type === "retry-scheduled" ? [event.delayMs] : []));
    expect(delays).toEqual([300, 600]);
  });

  test("a task that fails once and then succeeds is a success on attempt 2", async () => {
    const marker = `${h.folder.dir}/tried`;
    const script = `if [ -e ${marker} ]; then exit 0; else touch ${marker}; exit 1; fi`;
    const result = await h.run(h.workflow(yamlWorkflow("second-time", shell("once", "sh", ["-c", script], "    retry: 3\n"))));
    expect(result.status).toBe("Success");
    expect(h.rows(result.executionId).map((row) => [row.attempt, row.status])).toEqual([
      [1, "Failed"],
      [2, "Success"],
    ]);
  });

  test("backoff is capped by max_backoff", async () => {
    const workflow = h.workflow(yamlWorkflow("capped", shell("f", "false", [], "    retry: 3\n")), {
      initialBackoffMs: 100,
      backoffMultiplier: 10,
      maxBackoffMs: 250,
    });
    await h.run(workflow);
    const delays = h.events.flatMap((event) => (event.type === "retry-scheduled" ? [event.delayMs] : []));
    expect(delays).toEqual([100, 250, 250]);
  });
});
