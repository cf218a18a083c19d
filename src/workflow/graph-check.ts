/**
 * The graph problems of a workflow file (duplicate names, unknown dependencies, cycles) and,
 * when there are none, its plan. Reads the parsed YAML leniently, so these problems are
 * reported in the same pass as schema problems elsewhere in the file.
 */
import type { WorkflowIssue } from "../errors.ts";
import { shapeOf } from "./graph.ts";
import { HANDLER_KINDS, type Plan } from "./model.ts";
import type { DocPath } from "./positions.ts";
import type { TaskListKey } from "./task-lists.ts";

type Locator = (path: DocPath, atKey?: boolean) => WorkflowIssue["position"];

/** Said with every cycle, because arrows in a DAG are read both ways. */
export const CYCLE_ARROW_MEANING = '"->" reads "depends on"';

interface Dependency {
  name: string;
  /** Index in the task's depends_on list, for its position. */
  index: number;
}

interface Entry {
  name: string;
  /** Index in the file's tasks list. */
  index: number;
  dependsOn: Dependency[];
}

export type GraphCheck = { issues: WorkflowIssue[]; plan: undefined } | { issues: []; plan: Plan };

/** The tasks whose name is text, with their text dependencies; what is not text is the schema's to report. */
function entriesOf(data: unknown, list: TaskListKey): Entry[] {
  const tasks = (data as Record<string, unknown> | null)?.[list];
  if (!Array.isArray(tasks)) return [];
  const entries: Entry[] = [];
  tasks.forEach((task: unknown, index) => {
    if (typeof task !== "object" || task === null) return;
    const { name, depends_on } = task as { name?: unknown; depends_on?: unknown };
    if (typeof name !== "string" || name === "") return;
    const deps = Array.isArray(depends_on) ? depends_on : [];
    const dependsOn = deps.flatMap((dep: unknown, depIndex) => (typeof dep === "string" ? [{ name: dep, index: depIndex }] : []));
    entries.push({ name, index, dependsOn });
  });
  return entries;
}

export function checkGraph(data: unknown, at: Locator): GraphCheck {
  return checkList(data, "tasks", at, new Map());
}

/**
 * The same checks for each handler list (on_failure, on_success, on_exit): dependencies stay
 * within a list, and names are unique across the tasks and every list (they share the history).
 */
export function checkHandlerGraphs(data: unknown, at: Locator): WorkflowIssue[] {
  const seen = new Map(entriesOf(data, "tasks").map((entry) => [entry.name, `tasks[${entry.index}]`]));
  return HANDLER_KINDS.flatMap((kind) => checkList(data, kind, at, seen).issues);
}

/** `seen`: names defined in earlier lists, with where; this list's names are added to it. */
/** Names the list a dependency is in when it is in another one: depends_on never crosses lists. */
function unknownDependency(data: unknown, list: TaskListKey, task: string, dep: string): string {
  const other = (["tasks", ...HANDLER_KINDS] as const).find((key) => key !== list && entriesOf(data, key).some((entry) => entry.name === dep));
  if (other === undefined) return `task '${task}' depends on unknown task '${dep}'${list === "tasks" ? "" : ` in ${list}`}`;
  return `task '${task}' in ${list} depends on '${dep}', which is in ${other}: depends_on names tasks of the same list only (handlers start after every task has ended)`;
}

function checkList(data: unknown, list: TaskListKey, at: Locator, seen: Map<string, string>): GraphCheck {
  const entries = entriesOf(data, list);
  const issues: WorkflowIssue[] = [];
  const firstIndex = new Map<string, number>();
  const inList = list === "tasks" ? "" : ` in ${list}`;
  for (const entry of entries) {
    const earlier = seen.get(entry.name);
    if (earlier === undefined) {
      seen.set(entry.name, `${list}[${entry.index}]`);
      firstIndex.set(entry.name, entry.index);
    } else issues.push({ message: `duplicate task name '${entry.name}' (first defined as ${earlier})`, position: at([list, entry.index, "name"]) });
  }
  for (const entry of entries) {
    for (const dep of entry.dependsOn) {
      const position = () => at([list, entry.index, "depends_on", dep.index]);
      if (dep.name === entry.name) issues.push({ message: `task '${entry.name}' depends on itself`, position: position() });
      else if (!firstIndex.has(dep.name)) issues.push({ message: unknownDependency(data, list, entry.name, dep.name), position: position() });
    }
  }
  // Self-dependencies are reported above; the cycle search looks for longer loops.
  const nodes = entries.map((entry) => ({
    name: entry.name,
    dependsOn: [...new Set(entry.dependsOn.map((dep) => dep.name).filter((dep) => dep !== entry.name))],
  }));
  const shape = shapeOf(nodes);
  if (shape.kind === "cycle") {
    const index = firstIndex.get(shape.cycle[0] as string) ?? 0;
    issues.push({ message: `dependency cycle${inList}: ${shape.cycle.join(" -> ")} (${CYCLE_ARROW_MEANING})`, position: at([list, index, "depends_on"]) });
  }
  return issues.length === 0 && shape.kind === "plan" ? { issues: [], plan: shape.plan } : { issues, plan: undefined };
}
