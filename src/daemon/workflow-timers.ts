/** The loaded workflows and one cron timer per scheduled workflow; a reload swaps the whole set. */
import type { Workflow } from "../workflow/model.ts";
import { type CronClass, CronTimer, compileSchedule } from "./cron-timer.ts";

export interface ScheduledWorkflow {
  workflow: Workflow;
  /** Undefined for a workflow without `schedule`: loaded (and resumable) but never fired. */
  timer: CronTimer | undefined;
}

export interface WorkflowTimerHandlers {
  fire: (workflow: Workflow, scheduledAt: Date, lateMs: number) => void;
  missed: (workflow: Workflow, scheduledAt: Date, lateMs: number) => void;
}

export class WorkflowTimers {
  readonly #Cron: CronClass;
  readonly #handlers: WorkflowTimerHandlers;
  readonly #now: () => number;
  #entries: ScheduledWorkflow[] = [];

  constructor(CronCtor: CronClass, handlers: WorkflowTimerHandlers, now: () => number = Date.now) {
    this.#Cron = CronCtor;
    this.#handlers = handlers;
    this.#now = now;
  }

  get entries(): readonly ScheduledWorkflow[] {
    return this.#entries;
  }

  /** Stops the old timers and makes one per scheduled workflow of the new set, started unless `start` is false. */
  replace(workflows: readonly Workflow[], start = true): void {
    this.stop();
    this.#entries = workflows.map((workflow) => {
      if (!workflow.schedule) return { workflow, timer: undefined };
      const next = compileSchedule(this.#Cron, { schedule: workflow.schedule, timezone: workflow.timezone });
      const timer = new CronTimer(next, {
        fire: (scheduledAt, lateMs) => this.#handlers.fire(workflow, scheduledAt, lateMs),
        missed: (scheduledAt, lateMs) => this.#handlers.missed(workflow, scheduledAt, lateMs),
      }, this.#now);
      if (start) timer.start();
      return { workflow, timer };
    });
  }

  stop(): void {
    for (const entry of this.#entries) entry.timer?.stop();
  }
}
