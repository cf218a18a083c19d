/** `daemon status` text from what was found and read (a pure function: no daemon needed). */
import { describe, expect, test } from "bun:test";
import { statusLines } from "../../src/cli/daemon-actions.ts";
import type { DaemonLookup } from "../../src/daemon/control.ts";
import type { DaemonWorkflowState } from "../../src/daemon/state-file.ts";

describe("daemon status text", () => {
  const now = new Date(2025, 10, 12, 10, 17, 0);
  const found: DaemonLookup = {
    kind: "running",
    identity: { pid: 12345, startTicks: "1" },
    state: {
      pid: 12345,
      startTicks: "1",
      version: "0.1.0",
      startedAt: new Date(now.getTime() - (2 * 86400 + 5 * 3600 + 23 * 60) * 1000).toISOString(),
      dbPath: "/x/picoflow.db",
      pidFile: "/x/picoflow.pid",
      logFile: null,
      metricsUrl: null,
      metricsPort: null,
      workflows: [
        { name: "backup-workflow", file: "/x/b.yaml", schedule: "0 0 2 * * *", timezone: null, nextRun: new Date(2025, 10, 13, 2).toISOString(), catchupQueued: 0 },
        { name: "health-check", file: "/x/h.yaml", schedule: "0 */5 * * * *", timezone: null, nextRun: new Date(2025, 10, 12, 10, 20).toISOString(), catchupQueued: 0 },
      ],
      running: [],
      waitingForClock: null,
      memoryBytes: 19_398_656,
      updatedAt: now.toISOString(),
    },
  };
  const nextRunOf = (workflow: DaemonWorkflowState) => (workflow.nextRun ? new Date(workflow.nextRun) : undefined);

  test("a running daemon's lines, memory as last published when /proc has no reading", () => {
    expect(statusLines(found, now, nextRunOf)).toEqual([
      "Daemon Status: Running",
      "PID: 12345",
      "Uptime: 2d 5h 23m",
      "Workflows: 2 loaded",
      "  - backup-workflow (cron: 0 0 2 * * *)",
      "  - health-check (cron: 0 */5 * * * *)",
      "Next scheduled run: health-check at 2025-11-12 10:20:00",
      "Memory usage: 18.5 MB",
    ]);
  });

  test("a workflow catching up says how many missed runs are still to go", () => {
    const state = found.kind === "running" ? found.state : undefined;
    const [backup, health] = state?.workflows ?? [];
    const catchingUp = { ...found, state: { ...state, workflows: [{ ...backup, catchupQueued: 12 }, { ...health, catchupQueued: 1 }] } } as typeof found;
    expect(statusLines(catchingUp, now, nextRunOf).slice(4, 6)).toEqual([
      "  - backup-workflow (cron: 0 0 2 * * *; catching up: 12 missed runs to go)",
      "  - health-check (cron: 0 */5 * * * *; catching up: 1 missed run to go)",
    ]);
  });

  test("a live reading gives RSS and the private part", () => {
    const memory = { rssBytes: 20 * 1024 * 1024, rssAnonBytes: 8 * 1024 * 1024 };
    expect(statusLines(found, now, nextRunOf, { memory }).slice(-2)).toEqual(["Memory usage: 20.0 MB", "Private memory: 8.0 MB"]);
  });
});
