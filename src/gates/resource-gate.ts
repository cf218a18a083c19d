/**
 * The resource gates behind the engine's "may this task start now?": each of a task's gates
 * takes its reading from the board (paths from `[system]`) and says why it is closed. A
 * reading that cannot be taken keeps the gate closed and is warned about once per cause.
 */
import type { Settings } from "../config/settings.ts";
import type { StartGate } from "../engine/gate-wait.ts";
import type { Logger } from "../observability/logger.ts";
import type { BoardPaths } from "../system/board.ts";
import { readDiskFree } from "../system/disk.ts";
import { readLoad1 } from "../system/load.ts";
import { readMemoryAvailable } from "../system/memory.ts";
import type { Reading } from "../system/reading.ts";
import { readHottestTemperature } from "../system/thermal.ts";
import { readThrottled, THROTTLE_FLAGS } from "../system/throttled.ts";
import type { Gate } from "../workflow/model.ts";

const BYTES_PER_MB = 1024 * 1024;

export type GateWarning = (message: string, fields: { gate: Gate["kind"]; source: string; task?: string }) => void;

/** Why the gate is closed, or undefined when it is open. */
export function closedReason(gate: Gate, paths: BoardPaths, warn: GateWarning): string | undefined {
  const unavailable = (what: string, reading: Exclude<Reading<unknown>, { kind: "ok" }>): string => {
    const why = reading.kind === "absent" ? "not found" : reading.reason;
    const reason = `${what} cannot be read (${reading.source}: ${why})`;
    warn(`gate stays closed: ${reason}`, { gate: gate.kind, source: reading.source });
    return reason;
  };
  switch (gate.kind) {
    case "free-memory": {
      const reading = readMemoryAvailable(paths.meminfo);
      if (reading.kind !== "ok") return unavailable("free memory", reading);
      const mb = reading.value / BYTES_PER_MB;
      return mb < gate.minMb ? `free memory ${Math.floor(mb)} MB < ${gate.minMb} MB` : undefined;
    }
    case "temperature": {
      const reading = readHottestTemperature(paths.thermalGlob);
      if (reading.kind !== "ok") return unavailable("temperature", reading);
      const { celsius } = reading.value;
      return celsius > gate.maxCelsius ? `temperature ${celsius.toFixed(1)} °C > ${gate.maxCelsius} °C` : undefined;
    }
    case "load": {
      const reading = readLoad1(paths.loadavg);
      if (reading.kind !== "ok") return unavailable("load average", reading);
      return reading.value > gate.max ? `load ${reading.value.toFixed(2)} > ${gate.max}` : undefined;
    }
    case "free-disk": {
      const reading = readDiskFree(gate.path);
      if (reading.kind !== "ok") return unavailable("free disk", reading);
      const mb = reading.value / BYTES_PER_MB;
      return mb < gate.minMb ? `free disk ${Math.floor(mb)} MB < ${gate.minMb} MB on ${gate.path}` : undefined;
    }
    case "not-throttled": {
      const reading = readThrottled(paths.throttled);
      if (reading.kind !== "ok") return unavailable("throttling flags", reading);
      const active = THROTTLE_FLAGS.filter((flag) => reading.value[flag].now);
      return active.length > 0 ? `throttled now: ${active.join(", ")}` : undefined;
    }
  }
}

/** The engine's start gate: every closed gate of the task, joined, or undefined when all are open. */
export function resourceGate(paths: BoardPaths, pollMs: number, warn: GateWarning): StartGate {
  // The cause last warned about, per task and gate: a reading that keeps failing is warned
  // about once, not at every poll, and again if it fails after it could be read.
  const warned = new Map<string, string>();
  const reasonOf = (taskName: string, gate: Gate): string | undefined => {
    const key = `${taskName}\0${gate.kind}`;
    let failed = false;
    const reason = closedReason(gate, paths, (message, fields) => {
      failed = true;
      if (warned.get(key) === message) return;
      warned.set(key, message);
      warn(message, { ...fields, task: taskName });
    });
    if (!failed) warned.delete(key);
    return reason;
  };
  return {
    pollMs,
    check: (task) => {
      if (task.gates.length === 0) return undefined;
      const reasons = task.gates.flatMap((gate) => reasonOf(task.name, gate) ?? []);
      return reasons.length > 0 ? reasons.join("; ") : undefined;
    },
  };
}

/** The start gate `run` and the daemon use: `[system]` paths, `[gates] poll_seconds`, warnings to the log. */
export function settingsGate(settings: Pick<Settings, "system" | "gates">, logger: Pick<Logger, "warn">): StartGate {
  return resourceGate(settings.system, settings.gates.pollMs, (message, fields) => logger.warn(fields, message));
}
