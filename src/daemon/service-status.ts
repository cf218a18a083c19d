/** The one-line STATUS= the daemon gives systemd: "3 workflows; next: backup at 02:00:00". */
import { formatLocalTime } from "../cli/format.ts";
import type { ScheduledWorkflow } from "./workflow-timers.ts";

/** The next fire of any workflow; the time alone when it is today, with the date otherwise. */
export function scheduleStatusLine(entries: readonly ScheduledWorkflow[], running: number, now: Date): string {
  const count = `${entries.length} workflow${entries.length === 1 ? "" : "s"}`;
  const runningPart = running > 0 ? `; ${running} running` : "";
  let next: { name: string; at: Date } | undefined;
  for (const { workflow, timer } of entries) {
    const at = timer?.nextRun;
    if (at && (!next || at < next.at)) next = { name: workflow.name, at };
  }
  if (!next) return `${count}${runningPart}; nothing scheduled`;
  const stamp = formatLocalTime(next.at);
  const when = stamp.slice(0, 10) === formatLocalTime(now).slice(0, 10) ? stamp.slice(11) : stamp;
  return `${count}${runningPart}; next: ${next.name} at ${when}`;
}
