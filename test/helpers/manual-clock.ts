/**
 * A clock the test moves by hand, for the engine's timing logic (backoff, timeouts): sleeps
 * end only when `advance` passes their due time, so no test waits on the wall clock for them.
 */
import type { Clock } from "../../src/engine/clock.ts";
import { waitFor } from "../daemon/helpers.ts";

interface Sleeper {
  due: number;
  ms: number;
  resolve: () => void;
}

/** How long a test waits for the engine to ask for a sleep (real processes run in between). */
const ASK_TIMEOUT_MS = 20_000;

export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];
  /** Every sleep asked for, in order, in ms. */
  readonly asked: number[] = [];

  constructor(start = new Date(Date.UTC(2026, 0, 1, 3, 0, 0))) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.asked.push(ms);
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const sleeper: Sleeper = { due: this.#now + ms, ms, resolve };
      this.#sleepers.push(sleeper);
      signal.addEventListener(
        "abort",
        () => {
          this.#sleepers = this.#sleepers.filter((other) => other !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** The lengths of the sleeps still waiting, in the order they were asked for. */
  pending(): number[] {
    return this.#sleepers.map((sleeper) => sleeper.ms);
  }

  /** Resolves once a sleep of exactly `ms` is waiting: the engine has reached that point. */
  waitForSleep(ms: number): Promise<true> {
    return waitFor(() => this.pending().includes(ms), ASK_TIMEOUT_MS, `the engine to sleep ${ms} ms`);
  }

  /** Moves time forward, waking each sleep that falls due in order, and lets what it wakes run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#sleepers.filter((sleeper) => sleeper.due <= target).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.#now = next.due;
      this.#sleepers = this.#sleepers.filter((sleeper) => sleeper !== next);
      next.resolve();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets promise callbacks and already-due I/O callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
