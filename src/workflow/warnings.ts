/**
 * The same warning for many tasks (a command on PATH, a capped timeout) is said once, at the
 * first task it concerns, with how many more tasks it applies to: 20,000 identical lines
 * would hide anything else worth reading.
 */
import type { WorkflowIssue } from "../errors.ts";

const TASK_PREFIX = /^task '[^']*': /;

export function collapseWarnings(warnings: readonly WorkflowIssue[]): WorkflowIssue[] {
  const groups = new Map<string, { first: WorkflowIssue; count: number }>();
  for (const warning of warnings) {
    const key = warning.message.replace(TASK_PREFIX, "");
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { first: warning, count: 1 });
  }
  return [...groups.values()].map(({ first, count }) =>
    count === 1 ? first : { ...first, message: `${first.message} (and ${count - 1} more task${count === 2 ? "" : "s"})` },
  );
}
