/**
 * The engine's timing logic on an injected clock: backoff between attempts and the per-attempt
 * timeout are sleeps on the clock the engine is given, so these tests move time by hand with
 * real shell processes and never wait on the wall clock for a delay.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { RunEvent } from "../../src/engine/events.ts";
import { backoffDelayMs } from "../../src/engine/run-task.ts";
import { parseWorkflow } from "../../src/workflow/load.ts";
import { waitFor } from "../daemon/helpers.ts";
import { processExists, TEST_DEFAULTS } from "../helpers/engine.ts";
import { ManualClock, settle } from "../helpers/manual-clock.ts";
import { EngineRunner } from "../helpers/run-engine.ts";

setDefaultTimeout(60_000);
const runner = new EngineRunner();
afterAll(() => runner.dispose());

/** The guide's backoff (1 s doubling), capped low so the cap shows within a few retries. */
const DEFAULTS = { ...TEST_DEFAULTS, initialBackoffMs: 1000, backoffMultiplier: 2, maxBackoffMs: 3000 };

function workflow(task: string) {
  return parseWorkflow(`name: timing\ntasks:\n  - name: job\n${task}`, "/virtual/timing.yaml", DEFAULTS).workflow;
}

function started(events: RunEvent[]): number {
  return events.filter((event) => event.type === "attempt-started").length;
}

function ofType<T extends RunEvent["type"]>(events: RunEvent[], type: T): Extract<RunEvent, { type: T }>[] {
  return events.filter((event): event is Extract<RunEvent, { type: T }> => event.type === type);
}

describe("backoff", () => {
  test("doubles from the base and stops at the cap", () => {
    const policy = { retries: 5, initialBackoffMs: 1000, multiplier: 2, maxBackoffMs: 300_000 };
    expect([1, 2, 3, 4].map((k) => backoffDelayMs(policy, k))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelayMs(policy, 20)).toBe(300_000);
  });

  test("the next attempt starts exactly when the backoff has passed on the engine's clock: 1 s, 2 s, then the 3 s cap", async () => {
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const running = runner.run(workflow(`    type: shell\n    retry: 4\n    config: {command: /bin/sh, args: ["-c", "exit 1"]}\n`), (event) => events.push(event), undefined, clock);
    for (const [index, delay] of [1000, 2000, 3000, 3000].entries()) {
      await clock.waitForSleep(delay);
      expect(started(events)).toBe(index + 1);
      await clock.advance(delay - 1);
      // One millisecond short: the next attempt has not started.
      expect(started(events)).toBe(index + 1);
      await clock.advance(1);
      await waitFor(() => started(events) === index + 2, 20_000, `attempt ${index + 2}`);
    }
    const outcome = await running;
    expect(outcome.status).toBe("Failed");
    expect(ofType(events, "retry-scheduled").map((event) => event.delayMs)).toEqual([1000, 2000, 3000, 3000]);
    // On the engine's clock each attempt starts exactly its backoff after the previous one ended.
    const finishes = ofType(events, "attempt-finished").map((event) => event.at.getTime());
    const starts = ofType(events, "attempt-started").map((event) => event.at.getTime());
    expect(starts.slice(1).map((start, index) => start - (finishes[index] as number))).toEqual([1000, 2000, 3000, 3000]);
  });

  test("interrupting the run during a backoff ends the wait at once, without moving the clock", async () => {
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const controller = new AbortController();
    const running = runner.run(workflow(`    type: shell\n    retry: 2\n    config: {command: /bin/sh, args: ["-c", "exit 1"]}\n`), (event) => events.push(event), controller.signal, clock);
    await clock.waitForSleep(1000);
    controller.abort();
    const outcome = await running;
    expect(outcome.status).toBe("Interrupted");
    expect(started(events)).toBe(1);
    expect(clock.pending()).toEqual([]);
  });
});

describe("timeout ordering", () => {
  test("the timeout ends the attempt on the engine's clock, before the backoff starts, and each attempt gets its own", async () => {
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const marker = `${process.pid}7`;
    const hang = `sleep 90.${marker}`;
    const running = runner.run(
      workflow(`    type: shell\n    retry: 1\n    timeout: 300\n    config: {command: /bin/sleep, args: ["90.${marker}"]}\n`),
      (event) => events.push(event),
      undefined,
      clock,
    );
    for (const attempt of [1, 2]) {
      await waitFor(() => processExists(hang), 20_000, `attempt ${attempt}'s process`);
      await clock.waitForSleep(300_000);
      await clock.advance(299_999);
      // A millisecond before its timeout the attempt is still running.
      expect(ofType(events, "attempt-finished")).toHaveLength(attempt - 1);
      expect(await processExists(hang)).toBe(true);
      await clock.advance(1);
      await waitFor(() => ofType(events, "attempt-finished").length === attempt, 20_000, `attempt ${attempt} to time out`);
      const finished = ofType(events, "attempt-finished")[attempt - 1];
      expect(finished).toMatchObject({ attempt, status: "Timeout", error: "timed out after 300s" });
      expect((finished?.at.getTime() ?? 0) - (finished?.startedAt.getTime() ?? 0)).toBe(300_000);
      if (attempt === 1) {
        // The backoff is asked for only once the timed-out attempt has finished.
        await clock.waitForSleep(1000);
        const order = events.map((event) => event.type).filter((type) => type === "attempt-finished" || type === "retry-scheduled");
        expect(order).toEqual(["attempt-finished", "retry-scheduled"]);
        await clock.advance(1000);
      }
    }
    const outcome = await running;
    expect(outcome.status).toBe("Failed");
    await settle();
    expect(await processExists(hang)).toBe(false);
  });
});
