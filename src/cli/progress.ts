/** The human progress lines `run` prints on stdout, one per event. */
import type { RunEvent, RunEventListener } from "../engine/events.ts";
import { exhaustive } from "../util/exhaustive.ts";
import { terminalLine } from "../util/terminal-text.ts";
import { formatDuration, plural } from "./format.ts";

function attemptNote(attempt: number, maxAttempt: number): string {
  return maxAttempt > 1 ? ` (attempt ${attempt}/${maxAttempt})` : "";
}

export function describeEvent(event: RunEvent): string | undefined {
  switch (event.type) {
    case "workflow-started":
      return event.resumed
        ? `Resuming workflow execution: ${event.workflow} (${event.executionId})`
        : `Starting workflow execution: ${event.workflow}`;
    case "attempt-started":
      return `Task '${event.task}'${event.handler ? ` (${event.handler} handler)` : ""} started${event.attempt > 1 ? attemptNote(event.attempt, event.maxAttempt) : ""}`;
    case "attempt-finished": {
      const note = attemptNote(event.attempt, event.maxAttempt);
      const { status } = event;
      switch (status) {
        case "Success":
          return `Task '${event.task}' completed successfully${event.exitCode === null ? "" : ` (exit code: ${event.exitCode})`}`;
        case "Timeout":
          return `Task '${event.task}' ${event.error ?? "timed out"}${note}`;
        case "Interrupted":
          return `Task '${event.task}' interrupted`;
        case "Failed":
          return `Task '${event.task}' failed${note}: ${event.error ?? "unknown error"}`;
        default:
          return exhaustive(status);
      }
    }
    case "attempt-process":
      return undefined;
    case "retry-scheduled":
      return `Task '${event.task}' will retry in ${formatDuration(event.delayMs / 1000)}${attemptNote(event.nextAttempt, event.maxAttempt)}`;
    case "task-skipped":
      return `Task '${event.task}' skipped: upstream task '${event.blockedBy}' failed`;
    case "task-waiting":
      return `Task '${event.task}' waiting: ${event.reason}`;
    case "task-gate-failed":
      return `Task '${event.task}' failed: ${event.error}`;
    case "workflow-finished": {
      const took = formatDuration((event.at.getTime() - event.startedAt.getTime()) / 1000);
      const { failed, skipped, tolerated, unfinished } = event.summary;
      const toleratedNote = tolerated > 0 ? ` (${plural(tolerated, "failure")} tolerated by continue_on_failure)` : "";
      const { status } = event;
      switch (status) {
        case "Success":
          return `Workflow '${event.workflow}' completed successfully in ${took}${toleratedNote}`;
        case "Failed":
          return `Workflow '${event.workflow}' failed in ${took}: ${plural(failed, "task")} failed, ${skipped} skipped${toleratedNote}`;
        case "Interrupted":
          return `Workflow '${event.workflow}' interrupted after ${took}: ${unfinished} unfinished; resume with: picoflow run --resume ${event.executionId}`;
        default:
          return exhaustive(status);
      }
    }
    default:
      return exhaustive(event);
  }
}

export function printProgress(print: (line: string) => void): RunEventListener {
  return (event) => {
    if (event.type === "attempt-finished" && event.warning) print(terminalLine(`Warning: task '${event.task}': ${event.warning}`));
    const line = describeEvent(event);
    // Error texts come from tasks and servers: escaped and bounded for the terminal.
    if (line !== undefined) print(terminalLine(line));
  };
}
