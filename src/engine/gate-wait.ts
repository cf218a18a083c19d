/**
 * Holding a task whose resource gates are closed. The engine does no I/O: whether a task may
 * start is asked of an injected check, which answers with the reason it may not. A waiting
 * task has no attempt and holds no max_parallel slot; it is asked again every poll interval
 * until it may start, the run is interrupted, or its gate timeout passes.
 */
import type { Task } from "../workflow/model.ts";
import type { Clock } from "./clock.ts";
import type { RunEventListener } from "./events.ts";

/** Undefined when the task may start now, otherwise why not (`temperature 81.2 °C > 75 °C`). */
export type StartCheck = (task: Task) => string | undefined | Promise<string | undefined>;

export interface StartGate {
  check: StartCheck;
  /** How often a waiting task is asked again. */
  pollMs: number;
}

export type GateWaitResult = { state: "open" } | { state: "interrupted" } | { state: "timed-out"; reason: string; waitedMs: number };

export interface GateWaitDeps {
  gate?: StartGate | undefined;
  clock: Clock;
  onEvent: RunEventListener;
  signal: AbortSignal;
}

const OPEN: GateWaitResult = { state: "open" };

export async function waitForGate(task: Task, ids: { executionId: string; workflow: string; task: string }, deps: GateWaitDeps): Promise<GateWaitResult> {
  const { gate } = deps;
  if (!gate) return OPEN;
  // Only awaited when the check is asynchronous, so an open gate costs no extra turn.
  const ask = () => {
    const answer = gate.check(task);
    return answer instanceof Promise ? answer : Promise.resolve(answer);
  };
  const first = gate.check(task);
  let reason = first instanceof Promise ? await first : first;
  if (reason === undefined) return OPEN;
  const since = deps.clock.now();
  deps.onEvent({ type: "task-waiting", ...ids, reason, since, at: since });
  for (;;) {
    if (deps.signal.aborted) return { state: "interrupted" };
    const waitedMs = deps.clock.now().getTime() - since.getTime();
    if (waitedMs >= task.gateTimeoutMs) return { state: "timed-out", reason, waitedMs };
    await deps.clock.sleep(Math.min(gate.pollMs, task.gateTimeoutMs - waitedMs), deps.signal);
    if (deps.signal.aborted) return { state: "interrupted" };
    const next = await ask();
    if (next === undefined) return OPEN;
    if (next !== reason) {
      reason = next;
      deps.onEvent({ type: "task-waiting", ...ids, reason, since, at: deps.clock.now() });
    }
  }
}
