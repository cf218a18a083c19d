/** Every consumer of run events ends its switch with `exhaustive`, so a new event without a case fails the type check. */
import { expect, test } from "bun:test";
import type { RunEvent } from "../../src/engine/events.ts";
import { exhaustive } from "../../src/util/exhaustive.ts";

/** A consumer that forgot every event but one. */
function forgetful(event: RunEvent): string {
  switch (event.type) {
    case "workflow-started":
      return "started";
    default:
      // @ts-expect-error the other event types reach here (this line fails the type check if they could not)
      return exhaustive(event);
  }
}

test("a switch that misses a case does not type-check, and says so if it runs anyway", () => {
  expect(forgetful({ type: "workflow-started", executionId: "e", workflow: "w", at: new Date(0), resumed: false } as RunEvent)).toBe("started");
  const stray = { type: "workflow-finished" } as RunEvent;
  expect(() => forgetful(stray)).toThrow('unhandled case: {"type":"workflow-finished"}');
});
