/**
 * `picoflow graph FILE [--format mermaid|dot|svg] [--execution-id ID]`: the workflow's DAG as a
 * Mermaid flowchart, a Graphviz digraph or a ready SVG picture (the dashboard's renderer),
 * optionally coloured by the tasks' state in one execution, so a user sees the shape of a
 * workflow and where a run stopped.
 */
import { dirname, resolve } from "node:path";
import type { GlobalFlags } from "../config/settings.ts";
import { EXIT_OK, NotFoundError, UsageError } from "../errors.ts";
import { loadWorkflowFile } from "../workflow/load.ts";
import type { Workflow } from "../workflow/model.ts";
import { createContext } from "./context.ts";
import { dagSvg, PALETTE, taskStateLine as stateLine } from "../dashboard/dag-svg.ts";
import { openHistory, ownerAlive, parseChoice } from "./inspect.ts";
import { type ExecutionView, type TaskView, viewExecution } from "./task-view.ts";

export const GRAPH_FORMATS = ["mermaid", "dot", "svg"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface GraphArgs {
  file: string | undefined;
  format: string | undefined;
  executionId: string | undefined;
  globals: GlobalFlags;
}

export async function graphCommand(args: GraphArgs): Promise<number> {
  const format = parseChoice("--format", args.format, GRAPH_FORMATS, "mermaid");
  if (!args.file) throw new UsageError("graph needs a workflow file: picoflow graph FILE [--format mermaid|dot|svg]");
  if (args.executionId === "") throw new UsageError("--execution-id needs an id");
  const context = await createContext(args.globals, [dirname(resolve(args.file))]);
  const { workflow } = loadWorkflowFile(args.file, context.settings.workflowDefaults);
  const view = args.executionId === undefined ? undefined : loadExecutionView(context.settings.dbPath, workflow, args.executionId);
  context.stdout(DIAGRAMS[format](workflow, view));
  return EXIT_OK;
}

function loadExecutionView(dbPath: string, workflow: Workflow, executionId: string): ExecutionView {
  const source = openHistory(dbPath);
  if (source.kind === "absent") throw new NotFoundError(`no execution '${executionId}': ${source.message.toLowerCase()}`);
  try {
    const execution = source.store.findExecution(executionId);
    if (!execution) throw new NotFoundError(`no execution '${executionId}' in ${dbPath}`);
    if (execution.workflowName !== workflow.name) {
      throw new UsageError(`execution ${execution.id} ran workflow '${execution.workflowName}', not '${workflow.name}'`);
    }
    const rows = source.store.taskSummaries([execution.id]).get(execution.id) ?? [];
    const planned = workflow.tasks.map((task) => ({ name: task.name, dependsOn: task.dependsOn, maxAttempts: task.retry.retries + 1 }));
    return viewExecution(execution, rows, planned, ownerAlive(execution));
  } finally {
    source.store.close();
  }
}

function states(view: ExecutionView | undefined): Map<string, TaskView> {
  return new Map((view?.tasks ?? []).map((task) => [task.name, task]));
}

function title(workflow: Workflow, view: ExecutionView | undefined): string {
  return view ? `${workflow.name}: execution ${view.execution.id} (${view.execution.status})` : workflow.name;
}

/** Mermaid flowchart; nodes get neutral ids (t0, t1 ...) because names like `end` are Mermaid keywords. */
export function mermaidDiagram(workflow: Workflow, view?: ExecutionView): string {
  const ids = new Map(workflow.tasks.map((task, index) => [task.name, `t${index}`]));
  const byName = states(view);
  const escape = (text: string) => text.replaceAll("&", "#amp;").replaceAll('"', "#quot;").replaceAll("<", "#lt;").replaceAll(">", "#gt;");
  const lines = ["flowchart TD", `  %% ${title(workflow, view)}`];
  for (const task of workflow.tasks) {
    const state = byName.get(task.name);
    const label = state ? `${escape(task.name)}<br/>${escape(stateLine(state))}` : escape(task.name);
    lines.push(`  ${ids.get(task.name)}["${label}"]`);
  }
  for (const task of workflow.tasks) {
    for (const dependency of task.dependsOn) lines.push(`  ${ids.get(dependency)} --> ${ids.get(task.name)}`);
  }
  if (view) {
    const used = new Set([...byName.values()].map((task) => task.state));
    for (const state of used) lines.push(`  classDef ${state} fill:${PALETTE[state].fill},stroke:${PALETTE[state].stroke},color:#212529`);
    for (const task of workflow.tasks) {
      const state = byName.get(task.name)?.state;
      if (state) lines.push(`  class ${ids.get(task.name)} ${state}`);
    }
  }
  return lines.join("\n");
}

/** A standalone SVG picture, the same one the dashboard draws. */
export function svgDiagram(workflow: Workflow, view?: ExecutionView): string {
  return dagSvg(workflow.tasks, { title: title(workflow, view), tasks: states(view), levels: workflow.plan.levels });
}

/** Graphviz DOT, ready for `dot -Tsvg`. */
export function dotDiagram(workflow: Workflow, view?: ExecutionView): string {
  const quote = (text: string) => `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
  const byName = states(view);
  const lines = [
    `digraph ${quote(workflow.name)} {`,
    `  label=${quote(title(workflow, view))};`,
    "  labelloc=t;",
    "  rankdir=TB;",
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
  ];
  for (const task of workflow.tasks) {
    const state = byName.get(task.name);
    if (!state) {
      lines.push(`  ${quote(task.name)};`);
      continue;
    }
    const palette = PALETTE[state.state];
    const dashed = state.state === "skipped" ? ', style="rounded,filled,dashed"' : "";
    lines.push(`  ${quote(task.name)} [label=${quote(`${task.name}\n${stateLine(state)}`)}, fillcolor="${palette.fill}", color="${palette.stroke}"${dashed}];`);
  }
  for (const task of workflow.tasks) {
    for (const dependency of task.dependsOn) lines.push(`  ${quote(dependency)} -> ${quote(task.name)};`);
  }
  // Tasks of one plan level can run side by side, so they are drawn side by side.
  for (const level of workflow.plan.levels) {
    if (level.length > 1) lines.push(`  { rank=same; ${level.map((name) => `${quote(name)};`).join(" ")} }`);
  }
  lines.push("}");
  return lines.join("\n");
}

const DIAGRAMS: Record<GraphFormat, (workflow: Workflow, view?: ExecutionView) => string> = {
  mermaid: mermaidDiagram,
  dot: dotDiagram,
  svg: svgDiagram,
};
