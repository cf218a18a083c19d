import { describe, expect, test } from "bun:test";
import { parseWorkflow } from "../../src/workflow/load.ts";
import { TEST_DEFAULTS } from "../helpers/engine.ts";

const shell = (name: string, ...deps: string[]) =>
  `  - name: ${name}\n    type: shell\n    depends_on: [${deps.join(", ")}]\n    config: {command: /bin/true}\n`;

function load(tasks: string) {
  return parseWorkflow(`name: planned\ntasks:\n${tasks}`, "/virtual/planned.yaml", TEST_DEFAULTS).workflow;
}

describe("the plan carried by the model", () => {
  test("levels and a dependency-first order are computed when the file is loaded", () => {
    // Listed dependents-first: the plan, not the file order, decides who runs before whom.
    const workflow = load(shell("report", "fetch", "clean") + shell("fetch", "prepare") + shell("clean", "prepare") + shell("prepare"));
    expect(workflow.plan.levels).toEqual([["prepare"], ["fetch", "clean"], ["report"]]);
    expect(workflow.plan.order).toEqual(["prepare", "fetch", "clean", "report"]);
  });

  test("is immutable: a run cannot change what the next run of the same workflow sees", () => {
    const workflow = load(shell("a") + shell("b", "a"));
    expect(Object.isFrozen(workflow.plan)).toBe(true);
    expect(Object.isFrozen(workflow.plan.levels)).toBe(true);
    expect(Object.isFrozen(workflow.plan.levels[0])).toBe(true);
    expect(Object.isFrozen(workflow.plan.order)).toBe(true);
    expect(() => (workflow.plan.order as string[]).push("c")).toThrow(TypeError);
    expect(workflow.plan.order).toEqual(["a", "b"]);
  });
});
