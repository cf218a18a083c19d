import { withoutControlVariables } from "./control-variables.ts";

/**
 * Environment variables every local task process gets: which execution and task it belongs
 * to. Tasks may read them (a lock name, a tag in their own logs); crash recovery finds the
 * processes a dead PicoFlow left behind by them, even those it never got to record.
 */
export const EXECUTION_ID_VARIABLE = "PICOFLOW_EXECUTION_ID";
export const TASK_VARIABLE = "PICOFLOW_TASK";

export type TaskMarkers = Readonly<Record<typeof EXECUTION_ID_VARIABLE | typeof TASK_VARIABLE, string>>;

export function taskMarkers(executionId: string, task: string): TaskMarkers {
  return { [EXECUTION_ID_VARIABLE]: executionId, [TASK_VARIABLE]: task };
}

/**
 * A task process's environment: ours less PicoFlow's control variables, then the task's own
 * `env` (it may set any name, a control variable too), with the markers kept: no task can hide
 * from crash recovery.
 */
export function taskEnvironment(env: Readonly<Record<string, string | undefined>>, taskEnv: Readonly<Record<string, string>>): Record<string, string | undefined> {
  const markers = [EXECUTION_ID_VARIABLE, TASK_VARIABLE].flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]]));
  return { ...withoutControlVariables(env), ...taskEnv, ...Object.fromEntries(markers) };
}
