/**
 * Cron timers. croner parses the expression and computes the next fire time; the timer itself
 * is a plain setTimeout aimed at that instant, so the daemon knows exactly which scheduled
 * second each fire belongs to (for lateness and the overlap log) and can bound how late a fire
 * may be.
 */
import type { Cron } from "croner";

/** Timers are re-aimed at least this often, so a wall-clock step (NTP, a manual date change) is noticed. */
export const MAX_TIMER_MS = 60_000;
/**
 * A fire noticed later than this (the machine was suspended, the clock jumped forward) is not
 * run late as if on time: it is reported as missed, and the catch-up rules decide (catch-up.ts).
 */
export const MISFIRE_GRACE_MS = 60_000;

export type CronClass = typeof Cron;

/** croner is loaded on the daemon's path only. */
export async function loadCron(): Promise<CronClass> {
  const { Cron: CronCtor } = await import("croner");
  return CronCtor;
}

export interface ScheduleSpec {
  schedule: string;
  timezone: string | undefined;
}

/** `(after) => the first fire time strictly after it`; 5-field expressions fire at second 0. */
export type NextFire = (after: Date) => Date | undefined;

export function compileSchedule(CronCtor: CronClass, spec: ScheduleSpec): NextFire {
  // paused and without a callback: croner only computes, it never starts a timer of its own.
  const cron = new CronCtor(spec.schedule, { paused: true, ...(spec.timezone ? { timezone: spec.timezone } : {}) });
  return (after) => cron.nextRun(after) ?? undefined;
}

export interface TimerHandlers {
  /** The scheduled instant arrived; `lateMs` is how far past it the timer ran. */
  fire: (scheduledAt: Date, lateMs: number) => void;
  missed: (scheduledAt: Date, lateMs: number) => void;
}

/** Fires `handlers.fire` at each scheduled instant until stopped; never twice for one instant, never in a burst. */
export class CronTimer {
  readonly #next: NextFire;
  readonly #handlers: TimerHandlers;
  readonly #now: () => number;
  #due: Date | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(next: NextFire, handlers: TimerHandlers, now: () => number = Date.now) {
    this.#next = next;
    this.#handlers = handlers;
    this.#now = now;
  }

  /** The next instant this timer will fire at, if any. */
  get nextRun(): Date | undefined {
    return this.#due;
  }

  start(): void {
    this.#aim(this.#next(new Date(this.#now())));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = undefined;
  }

  #aim(due: Date | undefined): void {
    this.#due = due;
    if (!due || this.#stopped) return;
    const delay = Math.max(0, due.getTime() - this.#now());
    this.#timer = setTimeout(() => this.#wake(due), Math.min(delay, MAX_TIMER_MS));
  }

  #wake(due: Date): void {
    if (this.#stopped) return;
    const now = this.#now();
    // Woken early: the delay was capped, or timers round down by a millisecond.
    if (now < due.getTime()) return this.#aim(due);
    const lateMs = now - due.getTime();
    // Aim at the instant after both `due` and now: missed instants are not replayed in a burst.
    this.#aim(this.#next(new Date(Math.max(due.getTime(), now))));
    if (lateMs > MISFIRE_GRACE_MS) this.#handlers.missed(due, lateMs);
    else this.#handlers.fire(due, lateMs);
  }
}
