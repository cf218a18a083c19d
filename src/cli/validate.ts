import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { GlobalFlags } from "../config/settings.ts";
import { EXIT_OK, formatIssue } from "../errors.ts";
import { loadWorkflowFile } from "../workflow/load.ts";
import { HANDLER_KINDS } from "../workflow/model.ts";
import { type CommandContext, createContext } from "./context.ts";
import { ESTIMATE_RUNS, estimateLine } from "./estimate.ts";

/** `picoflow validate FILE`: every problem at once, or the summary and execution order. */
export async function validateCommand(file: string, globals: GlobalFlags): Promise<number> {
  const context = await createContext(globals, [dirname(resolve(file))]);
  const { workflow, warnings } = loadWorkflowFile(file, context.settings.workflowDefaults);
  for (const warning of warnings) context.stderr(formatIssue(file, warning).replace(/^error:/, "warning:"));
  const { levels } = workflow.plan;
  context.stdout(`Workflow '${workflow.name}' is valid`);
  context.stdout(`Tasks: ${workflow.tasks.length}`);
  context.stdout("Dependencies validated: No cycles detected");
  context.stdout(`Max parallel levels: ${levels.length}`);
  const estimate = await estimateFromHistory(context, workflow.name);
  if (estimate) context.stdout(estimate);
  context.stdout(`Execution order: ${levels.map((level) => level.join(", ")).join(" -> ")}`);
  const handlers = HANDLER_KINDS.filter((kind) => workflow.handlers[kind].length > 0).map((kind) => `${kind} (${workflow.handlers[kind].map((task) => task.name).join(", ")})`);
  if (handlers.length > 0) context.stdout(`Handlers: ${handlers.join("; ")}`);
  if (workflow.schedule) context.stdout(`Schedule: ${workflow.schedule}${workflow.timezone ? ` (${workflow.timezone})` : ""}`);
  return EXIT_OK;
}

/** From the history `run` would write to; a history that cannot be read costs the estimate, not the verdict. */
async function estimateFromHistory(context: CommandContext, workflowName: string): Promise<string | undefined> {
  const { dbPath } = context.settings;
  if (!existsSync(dbPath)) return undefined;
  // Loaded only when there is a history: validating stays as quick as parsing.
  const { openHistory } = await import("./inspect.ts");
  try {
    const source = openHistory(dbPath);
    if (source.kind === "absent") return undefined;
    try {
      return estimateLine(source.store.successfulDurations(workflowName, ESTIMATE_RUNS));
    } finally {
      source.store.close();
    }
  } catch (error) {
    // Whatever is wrong with the file (not a database, locked, newer schema), the workflow is still valid.
    context.stderr(`warning: no time estimate from ${dbPath}: ${firstLine((error as Error).message)}`);
    return undefined;
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
