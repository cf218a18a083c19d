import { describe, expect, test } from "bun:test";
import { computeLevels, findCycle } from "../../src/workflow/graph.ts";

const node = (name: string, ...dependsOn: string[]) => ({ name, dependsOn });

describe("graph", () => {
  test("levels group tasks by depth", () => {
    const levels = computeLevels([node("a"), node("b"), node("c", "a", "b"), node("d", "c"), node("e", "a")]);
    expect(levels).toEqual([["a", "b"], ["c", "e"], ["d"]]);
  });

  test("a 10,000-task chain is handled without recursion limits", () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => (i === 0 ? node("t0") : node(`t${i}`, `t${i - 1}`)));
    expect(computeLevels(chain)?.length).toBe(10_000);
    expect(findCycle(chain)).toBeUndefined();
  });

  test("a cycle is named as a path that returns to its start", () => {
    const cycle = findCycle([node("a", "c"), node("b", "a"), node("c", "b"), node("d", "a")]);
    expect(cycle).toEqual(["a", "c", "b", "a"]);
    expect(computeLevels([node("a", "b"), node("b", "a")])).toBeUndefined();
  });

  test("a cycle behind a healthy prefix is still found", () => {
    expect(findCycle([node("start"), node("x", "start", "z"), node("y", "x"), node("z", "y")])).toEqual(["x", "z", "y", "x"]);
  });
});
