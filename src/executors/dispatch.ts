/**
 * Hands a task to the registry's executor for its type. The switch, like the registry's
 * mapped type, fails to compile when a task type has no executor; no cast hides a mismatch.
 */
import { exhaustive } from "../util/exhaustive.ts";
import type { Task } from "../workflow/model.ts";
import type { ExecutionContext, ExecutorOutcome, ExecutorRegistry } from "./types.ts";

export function runOnExecutor(registry: ExecutorRegistry, task: Task, context: ExecutionContext): Promise<ExecutorOutcome> {
  switch (task.type) {
    case "shell":
      return registry.shell.run(task, context);
    case "http":
      return registry.http.run(task, context);
    case "ssh":
      return registry.ssh.run(task, context);
    default:
      return exhaustive(task);
  }
}
