/** Writes the engine's events to the store: one task_executions row per attempt, one per skip. */
import type { RunEventListener } from "../engine/events.ts";
import { exhaustive } from "../util/exhaustive.ts";
import type { Store } from "./types.ts";

export function recordEvents(store: Store, logPathOf: (task: string) => string, newId: () => string = () => crypto.randomUUID()): RunEventListener {
  const attemptRows = new Map<string, string>();
  // Tasks with a task_waits row, so that starting a task that never waited costs no write.
  const waiting = new Set<string>();
  const stopWaiting = (executionId: string, task: string) => {
    if (waiting.delete(task)) store.clearWaiting(executionId, task);
  };
  const key = (task: string, attempt: number) => `${attempt}:${task}`;
  return (event) => {
    switch (event.type) {
      case "workflow-started":
      case "retry-scheduled":
        return;
      case "attempt-started": {
        stopWaiting(event.executionId, event.task);
        const id = newId();
        attemptRows.set(key(event.task, event.attempt), id);
        store.startAttempt({
          id,
          executionId: event.executionId,
          taskName: event.task,
          attempt: event.attempt,
          startedAt: event.at,
          logPath: logPathOf(event.task),
          handler: event.handler,
        });
        return;
      }
      case "attempt-process": {
        const id = attemptRows.get(key(event.task, event.attempt));
        if (id) store.recordAttemptProcess(id, event.pid);
        return;
      }
      case "attempt-finished": {
        const id = attemptRows.get(key(event.task, event.attempt));
        if (!id) return;
        attemptRows.delete(key(event.task, event.attempt));
        store.finishAttempt(id, {
          status: event.status,
          finishedAt: event.at,
          exitCode: event.exitCode,
          stdout: event.stdoutTail,
          stderr: event.stderrTail,
          error: event.error,
          failureKind: event.failureKind,
          warning: event.warning,
          output: event.output,
        });
        return;
      }
      case "task-skipped":
        store.recordSkipped({
          id: newId(),
          executionId: event.executionId,
          taskName: event.task,
          at: event.at,
          reason: `upstream task '${event.blockedBy}' failed`,
          handler: event.handler,
        });
        return;
      case "task-waiting":
        waiting.add(event.task);
        store.recordWaiting({ executionId: event.executionId, taskName: event.task, reason: event.reason, since: event.since });
        return;
      case "task-gate-failed":
        stopWaiting(event.executionId, event.task);
        store.recordGateFailure({ id: newId(), executionId: event.executionId, taskName: event.task, since: event.since, at: event.at, error: event.error });
        return;
      case "workflow-finished":
        // An interrupted run can leave tasks that were still waiting.
        if (waiting.size > 0) store.clearWaiting(event.executionId);
        waiting.clear();
        store.finishExecution(event.executionId, event.status, event.at);
        return;
      default:
        return exhaustive(event);
    }
  };
}
