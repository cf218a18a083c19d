import { WorkflowInvalidError } from "../../src/errors.ts";
import { parseWorkflow } from "../../src/workflow/load.ts";
import { TEST_DEFAULTS } from "./engine.ts";

/** The error lines `validate` would print for this workflow text (as if read from `file`); none when it is valid. */
export function problemLines(yaml: string, file: string): string[] {
  try {
    parseWorkflow(yaml, file, TEST_DEFAULTS);
  } catch (error) {
    if (error instanceof WorkflowInvalidError) return error.lines();
    throw error;
  }
  return [];
}
