import { dirname, resolve } from "node:path";
import type { GlobalFlags } from "../config/settings.ts";
import { EXIT_OK, formatIssue } from "../errors.ts";
import { loadWorkflowFile } from "../workflow/load.ts";
import { createContext } from "./context.ts";

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
  context.stdout(`Execution order: ${levels.map((level) => level.join(", ")).join(" -> ")}`);
  if (workflow.schedule) context.stdout(`Schedule: ${workflow.schedule}${workflow.timezone ? ` (${workflow.timezone})` : ""}`);
  return EXIT_OK;
}
