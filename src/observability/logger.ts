/** Structured logs to stderr with pino: JSON lines, or pino-pretty run synchronously in-process. */
import pino, { type Logger } from "pino";
import type { LogFormat, LogLevel } from "../config/defaults.ts";
import type { RunEventListener } from "../engine/events.ts";
import { exhaustive } from "../util/exhaustive.ts";

export type { Logger };

export async function createLogger(level: LogLevel, format: LogFormat): Promise<Logger> {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === "pretty") {
    // Loaded only when asked for; a worker transport would break inside a compiled binary.
    const { default: pretty } = await import("pino-pretty");
    return pino(options, pretty({ destination: 2, sync: true, translateTime: "SYS:standard", ignore: "pid,hostname" }));
  }
  return pino(options, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** Logs the engine's events. Error text from tasks is logged; substituted secrets never reach events. */
export function logEvents(logger: Logger): RunEventListener {
  return (event) => {
    switch (event.type) {
      case "workflow-started":
        logger.info({ execution_id: event.executionId, workflow: event.workflow, resumed: event.resumed }, "workflow started");
        return;
      case "attempt-started":
        logger.debug({ execution_id: event.executionId, workflow: event.workflow, task: event.task, attempt: event.attempt }, "task attempt started");
        return;
      case "attempt-finished": {
        const fields = {
          execution_id: event.executionId,
          workflow: event.workflow,
          task: event.task,
          attempt: event.attempt,
          status: event.status,
          exit_code: event.exitCode,
          duration_ms: event.at.getTime() - event.startedAt.getTime(),
          ...(event.error ? { error: event.error, failure_kind: event.failureKind } : {}),
          ...(event.handler ? { handler: event.handler } : {}),
        };
        if (event.warning) logger.warn({ ...fields, warning: event.warning }, "task log file could not be written");
        if (event.status === "Success") logger.info(fields, "task succeeded");
        else if (event.final && event.handler) logger.error(fields, "handler task failed; the workflow's status is unchanged");
        else if (event.final) logger.error(fields, "task failed");
        else logger.warn(fields, "task attempt failed");
        return;
      }
      case "attempt-process":
        logger.debug({ execution_id: event.executionId, workflow: event.workflow, task: event.task, attempt: event.attempt, pid: event.pid }, "task process started");
        return;
      case "retry-scheduled":
        logger.info({ execution_id: event.executionId, workflow: event.workflow, task: event.task, next_attempt: event.nextAttempt, delay_ms: event.delayMs }, "task retry scheduled");
        return;
      case "task-skipped":
        logger.warn({ execution_id: event.executionId, workflow: event.workflow, task: event.task, blocked_by: event.blockedBy }, "task skipped");
        return;
      case "task-waiting": {
        const fields = { execution_id: event.executionId, workflow: event.workflow, task: event.task, reason: event.reason };
        // A warning when the wait begins; a temperature that moves each poll is only worth debug lines.
        if (event.at.getTime() === event.since.getTime()) logger.warn(fields, "task waiting: gate closed");
        else logger.debug(fields, "task still waiting: gate closed");
        return;
      }
      case "task-gate-failed":
        logger.error({ execution_id: event.executionId, workflow: event.workflow, task: event.task, error: event.error }, "task failed");
        return;
      case "workflow-finished": {
        const fields = {
          execution_id: event.executionId,
          workflow: event.workflow,
          status: event.status,
          duration_ms: event.at.getTime() - event.startedAt.getTime(),
          ...event.summary,
        };
        if (event.status === "Success") logger.info(fields, "workflow finished");
        else logger.error(fields, "workflow finished");
        return;
      }
      default:
        return exhaustive(event);
    }
  };
}
