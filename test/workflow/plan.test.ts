import { describe, expect, test } from "bun:test";
import { dagSvg } from "../../src/dashboard/dag-svg.ts";
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

test("the DAG picture draws the plan's levels: one row per level, in the plan's order", () => {
  const workflow = load(shell("report", "fetch") + shell("fetch", "prepare") + shell("prepare") + shell("notes"));
  const svg = dagSvg(workflow.tasks, { title: "planned", levels: workflow.plan.levels });
  const place = (task: string) => {
    const match = new RegExp(`data-task="${task}"><title>${task}</title><rect x="(\\d+)" y="(\\d+)"`).exec(svg);
    return { x: Number(match?.[1]), y: Number(match?.[2]) };
  };
  expect(workflow.plan.levels).toEqual([["prepare", "notes"], ["fetch"], ["report"]]);
  expect(place("prepare").y).toBe(place("notes").y);
  expect(place("prepare").x).toBeLessThan(place("notes").x);
  expect(place("fetch").y).toBeGreaterThan(place("prepare").y);
  expect(place("report").y).toBeGreaterThan(place("fetch").y);
});
