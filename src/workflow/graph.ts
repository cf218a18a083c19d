/** Pure graph algorithms over task dependencies ("a depends on b" edges). Iterative, so deep chains are safe. */
import type { Plan } from "./model.ts";

export interface GraphNode {
  name: string;
  dependsOn: readonly string[];
}

interface Layering {
  levels: string[][];
  /** Tasks that sit on, or behind, a dependency cycle. */
  unplaced: Set<string>;
}

/** Kahn's algorithm, grouping tasks by depth. Dependencies on unknown names are ignored here. */
function layer(nodes: readonly GraphNode[]): Layering {
  const known = new Set(nodes.map((node) => node.name));
  const position = new Map(nodes.map((node, index) => [node.name, index]));
  const dependents = new Map<string, string[]>();
  const waitingOn = new Map<string, number>();
  for (const node of nodes) {
    const deps = new Set(node.dependsOn.filter((dep) => known.has(dep)));
    waitingOn.set(node.name, deps.size);
    for (const dep of deps) {
      const list = dependents.get(dep) ?? [];
      list.push(node.name);
      dependents.set(dep, list);
    }
  }
  const unplaced = new Set(known);
  const levels: string[][] = [];
  let current = nodes.filter((node) => waitingOn.get(node.name) === 0).map((node) => node.name);
  while (current.length > 0) {
    levels.push(current);
    const next: string[] = [];
    for (const name of current) {
      unplaced.delete(name);
      for (const dependent of dependents.get(name) ?? []) {
        const left = (waitingOn.get(dependent) ?? 0) - 1;
        waitingOn.set(dependent, left);
        if (left === 0) next.push(dependent);
      }
    }
    // File order within a level, so `validate` prints what the user wrote.
    current = next.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
  }
  return { levels, unplaced };
}

/** Either the graph's plan or one cycle that prevents it: one layering pass serves both. */
export type GraphShape = { kind: "plan"; plan: Plan } | { kind: "cycle"; cycle: string[] };

export function shapeOf(nodes: readonly GraphNode[]): GraphShape {
  const { levels, unplaced } = layer(nodes);
  if (unplaced.size === 0) {
    const plan: Plan = Object.freeze({
      levels: Object.freeze(levels.map((level) => Object.freeze(level))),
      order: Object.freeze(levels.flat()),
    });
    return { kind: "plan", plan };
  }
  return { kind: "cycle", cycle: cycleAmong(nodes, unplaced) };
}

/**
 * Tasks grouped by depth: level 0 has no dependencies, level k depends on something at k-1.
 * Returns undefined when the graph has a cycle (findCycle names it).
 */
export function computeLevels(nodes: readonly GraphNode[]): readonly (readonly string[])[] | undefined {
  const shape = shapeOf(nodes);
  return shape.kind === "plan" ? shape.plan.levels : undefined;
}

/** One dependency cycle as a path that ends where it starts (`a -> b -> a`), or undefined. */
export function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  const shape = shapeOf(nodes);
  return shape.kind === "cycle" ? shape.cycle : undefined;
}

/** Every unplaced task has an unplaced dependency, so following those must revisit a task. */
function cycleAmong(nodes: readonly GraphNode[], unplaced: ReadonlySet<string>): string[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const path: string[] = [];
  const seenAt = new Map<string, number>();
  let current = unplaced.values().next().value as string;
  while (!seenAt.has(current)) {
    seenAt.set(current, path.length);
    path.push(current);
    current = byName.get(current)?.dependsOn.find((dep) => unplaced.has(dep)) as string;
  }
  return [...path.slice(seenAt.get(current)), current];
}
