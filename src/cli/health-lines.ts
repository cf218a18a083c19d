/** `daemon status`'s health lines: the board, throttling and PicoFlow's own storage. */
import type { Health } from "../system/health.ts";
import type { Reading } from "../system/reading.ts";
import { THROTTLE_FLAGS, type ThrottleFlag, type ThrottledFlags } from "../system/throttled.ts";

const FLAG_WORDS: Record<ThrottleFlag, string> = {
  under_voltage: "under-voltage",
  arm_frequency_capped: "ARM frequency capped",
  throttled: "throttled",
  soft_temperature_limit: "soft temperature limit",
};

/** 1.2 GB, 350.0 MB, 12.0 KB: binary units, as `Memory usage` is printed. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Absent readings are left out; a line whose readings are all absent is left out. */
export function healthLines(health: Health): string[] {
  const lines: string[] = [];
  const system = [
    part(health.temperature, "temperature", (value) => `${value.celsius.toFixed(1)} °C`),
    part(health.memoryAvailableBytes, "memory", (value) => `${formatBytes(value)} memory available`),
    part(health.load1, "load", (value) => `load ${value.toFixed(2)}`),
    part(health.diskFreeBytes, "disk", (value) => `${formatBytes(value)} disk free`),
  ].flatMap((text) => (text ? [text] : []));
  if (system.length > 0) lines.push(`System: ${system.join(", ")}`);
  const throttling = part(health.throttled, "throttling flags", describeThrottling);
  if (throttling) lines.push(`Throttling: ${throttling}`);
  const storage = [
    part(health.historyDbBytes, "history", (value) => `history ${formatBytes(value)}`),
    part(health.logsBytes, "logs", (value) => `logs ${formatBytes(value)}`),
  ].flatMap((text) => (text ? [text] : []));
  if (storage.length > 0) lines.push(`Storage: ${storage.join(", ")}`);
  return lines;
}

function part<T>(reading: Reading<T>, what: string, show: (value: T) => string): string | undefined {
  if (reading.kind === "ok") return show(reading.value);
  if (reading.kind === "unreadable") return `${what} unreadable (${reading.source}: ${reading.reason})`;
  return undefined;
}

function describeThrottling(flags: ThrottledFlags): string {
  const now = THROTTLE_FLAGS.filter((flag) => flags[flag].now).map((flag) => `${FLAG_WORDS[flag]} now`);
  const before = THROTTLE_FLAGS.filter((flag) => flags[flag].sinceBoot && !flags[flag].now).map((flag) => `${FLAG_WORDS[flag]} since boot`);
  const all = [...now, ...before];
  return all.length > 0 ? all.join(", ") : "none since boot";
}
