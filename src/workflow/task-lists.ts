/** The task lists of a workflow file: `tasks` and the handler lists, each checked the same way. */
import { HANDLER_KINDS, type HandlerKind } from "./model.ts";
import type { RawTask, RawWorkflow } from "./schema.ts";

export type TaskListKey = "tasks" | HandlerKind;

export function isTaskList(key: string): key is TaskListKey {
  return key === "tasks" || (HANDLER_KINDS as readonly string[]).includes(key);
}

/** `tasks` first, then each handler list the file has. */
export function taskLists(raw: RawWorkflow): [TaskListKey, readonly RawTask[]][] {
  const lists: [TaskListKey, readonly RawTask[]][] = [["tasks", raw.tasks]];
  for (const kind of HANDLER_KINDS) {
    const tasks = raw[kind];
    if (tasks) lists.push([kind, tasks]);
  }
  return lists;
}
