/**
 * Decides what the schedules fire: nothing while the clock cannot be trusted, the missed fire
 * times a daemon slept through (by each workflow's catch-up policy), never a time that
 * already fired (a clock stepped back). The store remembers, per workflow, the latest fire
 * time handled and the missed times still to run; the daemon starts what this hands it.
 */
import type { Logger } from "../observability/logger.ts";
import type { Store } from "../store/types.ts";
import type { ClockVerdict } from "../system/clock-sync.ts";
import type { Workflow } from "../workflow/model.ts";
import { CATCHUP_MAX_RUNS, missedFireTimes } from "./catch-up.ts";
import { type CronClass, compileSchedule } from "./cron-timer.ts";
import { type ScheduledWorkflow, WorkflowTimers } from "./workflow-timers.ts";

/** While waiting for the clock, how often it is asked again. */
export const CLOCK_POLL_MS = 1000;

export type FireTrigger = "schedule" | "catchup";

export interface ScheduleKeeperDeps {
  store: Pick<Store, "lastFired" | "recordFired" | "catchupBacklog" | "recordCatchupBacklog">;
  clockTrust: () => ClockVerdict;
  logger: Logger;
  /** Hands a fire time to the daemon, which applies the overlap rule and starts the execution. */
  fire: (workflow: Workflow, scheduledAt: Date, lateMs: number, trigger: FireTrigger) => void;
  /** Something `daemon status` shows changed. */
  changed: () => void;
  /** The wall clock (tests step it forward as NTP or a resume from suspend would). */
  now?: () => number;
}

export class ScheduleKeeper {
  readonly #deps: ScheduleKeeperDeps;
  readonly #now: () => number;
  readonly #Cron: CronClass;
  readonly #timers: WorkflowTimers;
  #workflows: readonly Workflow[] = [];
  /** Why the clock is not trusted, while waiting for it. */
  #clockProblem: string | undefined;
  #clockPoll: ReturnType<typeof setInterval> | undefined;
  /**
   * Missed fire times still to run, one after another, per workflow, oldest first: the rest of
   * a `catchup: all`, and a catch-up that found its workflow running. Kept in the store too, so
   * a daemon stopped in the middle finishes them when it starts again.
   */
  readonly #backlog = new Map<string, Date[]>();
  #stopped = false;
  /** Workflows whose fire times are refused as already fired (the clock went back). */
  readonly #refusing = new Set<string>();

  constructor(CronCtor: CronClass, deps: ScheduleKeeperDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#Cron = CronCtor;
    this.#timers = new WorkflowTimers(CronCtor, {
      fire: (workflow, scheduledAt, lateMs) => this.#onFire(workflow, scheduledAt, lateMs),
      missed: (workflow, scheduledAt, lateMs) => this.#onMissed(workflow, scheduledAt, lateMs),
    }, this.#now);
  }

  get entries(): readonly ScheduledWorkflow[] {
    return this.#timers.entries;
  }

  /** Missed fire times of the workflow still to run (its catch-up backlog). */
  catchupQueued(workflow: string): number {
    return this.#backlog.get(workflow)?.length ?? 0;
  }

  /** Set while nothing fires because the clock is not trusted. */
  get waitingForClock(): string | undefined {
    return this.#clockProblem;
  }

  /** At start (`catchUp`) or after a reload: schedule these workflows, once the clock can be trusted. */
  load(workflows: readonly Workflow[], catchUp: boolean): void {
    this.#workflows = workflows;
    for (const name of this.#backlog.keys()) if (!workflows.some((workflow) => workflow.name === name)) this.#setBacklog(name, []);
    const verdict = this.#deps.clockTrust();
    if (!verdict.trusted) return this.#waitForClock(verdict.reason);
    if (this.#clockProblem !== undefined) return; // the clock poll schedules them when it is trusted
    this.#begin(catchUp);
  }

  /** An execution of the workflow ended: the next missed time of its backlog may run. */
  executionEnded(workflow: string): void {
    const definition = this.#workflows.find((candidate) => candidate.name === workflow);
    const [next, ...rest] = this.#backlog.get(workflow) ?? [];
    if (!next || !definition || this.#stopped) return;
    this.#setBacklog(workflow, rest);
    this.#deps.fire(definition, next, this.#now() - next.getTime(), "catchup");
  }

  /** A catch-up time found its workflow still running: it runs next, once that execution ends. */
  deferCatchup(workflow: string, scheduledAt: Date): void {
    if (this.#stopped) return;
    this.#setBacklog(workflow, mergeTimes([scheduledAt], this.#backlog.get(workflow) ?? []));
  }

  /** No more fires; a backlog stays in the store for the next start. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#clockPoll);
    this.#timers.stop();
    this.#backlog.clear();
  }

  #setBacklog(workflow: string, times: readonly Date[]): void {
    if (times.length > 0) this.#backlog.set(workflow, [...times]);
    else if (!this.#backlog.delete(workflow) && this.#deps.store.catchupBacklog(workflow).length === 0) return;
    this.#deps.store.recordCatchupBacklog(workflow, times);
  }

  #begin(catchUp: boolean): void {
    const now = new Date(this.#now());
    for (const workflow of this.#workflows) {
      if (!workflow.schedule) continue;
      // A workflow seen for the first time has missed nothing: it is handled up to now.
      if (!this.#deps.store.lastFired(workflow.name)) this.#deps.store.recordFired(workflow.name, now);
      else if (catchUp) this.#catchUp(workflow, now);
    }
    this.#timers.replace(this.#workflows);
  }

  #waitForClock(reason: string): void {
    const first = this.#clockProblem === undefined;
    this.#clockProblem = reason;
    // Loaded (so status lists them) but without running timers: nothing fires.
    this.#timers.replace(this.#workflows, false);
    if (first) {
      this.#deps.logger.warn({ reason }, "waiting for the clock to be synchronised; no schedule fires until it is");
      this.#clockPoll = setInterval(() => this.#askClockAgain(), CLOCK_POLL_MS);
    }
    this.#deps.changed();
  }

  #askClockAgain(): void {
    const verdict = this.#deps.clockTrust();
    if (!verdict.trusted) {
      this.#deps.logger.debug({ reason: verdict.reason }, "the clock is still not trusted");
      if (verdict.reason === this.#clockProblem) return;
      this.#clockProblem = verdict.reason;
      this.#deps.changed();
      return;
    }
    clearInterval(this.#clockPoll);
    this.#clockPoll = undefined;
    this.#clockProblem = undefined;
    this.#deps.logger.info("the clock is synchronised; schedules start");
    if (!this.#stopped) this.#begin(true);
    this.#deps.changed();
  }

  #onFire(workflow: Workflow, scheduledAt: Date, lateMs: number): void {
    const verdict = this.#deps.clockTrust();
    if (!verdict.trusted) return this.#waitForClock(verdict.reason);
    const handled = this.#deps.store.lastFired(workflow.name);
    if (handled && scheduledAt.getTime() <= handled.getTime()) {
      // Once per step back, not at every refused time of an every-second schedule.
      const log = this.#refusing.has(workflow.name) ? this.#deps.logger.debug.bind(this.#deps.logger) : this.#deps.logger.warn.bind(this.#deps.logger);
      this.#refusing.add(workflow.name);
      log({ workflow: workflow.name, scheduled_at: scheduledAt.toISOString(), fired_up_to: handled.toISOString() }, "not firing a time that already fired (the clock went back)");
      return;
    }
    this.#refusing.delete(workflow.name);
    this.#deps.store.recordFired(workflow.name, scheduledAt);
    this.#deps.fire(workflow, scheduledAt, lateMs, "schedule");
  }

  /** The timer woke far past its time (suspend, stall, forward clock jump): the catch-up rules apply. */
  #onMissed(workflow: Workflow, scheduledAt: Date, lateMs: number): void {
    const verdict = this.#deps.clockTrust();
    if (!verdict.trusted) return this.#waitForClock(verdict.reason);
    this.#deps.logger.warn(
      { workflow: workflow.name, scheduled_at: scheduledAt.toISOString(), late_ms: lateMs, catchup: workflow.catchup.mode },
      "slept through scheduled runs (the process was suspended or the clock jumped)",
    );
    this.#catchUp(workflow, new Date(this.#now()));
  }

  #catchUp(workflow: Workflow, now: Date): void {
    if (!workflow.schedule) return;
    const handled = this.#deps.store.lastFired(workflow.name) ?? now;
    const next = compileSchedule(this.#Cron, { schedule: workflow.schedule, timezone: workflow.timezone });
    const missed = missedFireTimes(next, handled, now, workflow.catchup);
    const latest = missed.at(-1);
    // Handled at once: each time is either started or in the backlog, never both, never twice.
    if (latest) this.#deps.store.recordFired(workflow.name, latest);
    // What an earlier catch-up (of this daemon or one before it) left, inside the window still.
    const windowStart = now.getTime() - workflow.catchup.windowMs;
    const queued = workflow.catchup.mode === "none" ? [] : (this.#backlog.get(workflow.name) ?? this.#deps.store.catchupBacklog(workflow.name)).filter((time) => time.getTime() >= windowStart);
    const times = mergeTimes(queued, missed).slice(-CATCHUP_MAX_RUNS);
    const [first, ...rest] = times;
    this.#setBacklog(workflow.name, rest);
    if (!first) return;
    this.#deps.logger.info(
      { workflow: workflow.name, catchup: workflow.catchup.mode, runs: times.length, from: first.toISOString(), to: times.at(-1)?.toISOString() },
      "catching up missed scheduled runs",
    );
    this.#deps.fire(workflow, first, now.getTime() - first.getTime(), "catchup");
  }
}

/** Both lists' times, each once, oldest first. */
function mergeTimes(a: readonly Date[], b: readonly Date[]): Date[] {
  const byTime = new Map([...a, ...b].map((time) => [time.getTime(), time]));
  return [...byTime.values()].sort((x, y) => x.getTime() - y.getTime());
}
