/** The 1-minute load average: the first field of /proc/loadavg. */
import { parseWith, readText, type Reading } from "./reading.ts";

export function readLoad1(loadavgPath: string): Reading<number> {
  return parseWith(readText(loadavgPath), parseLoad1);
}

export function parseLoad1(text: string): number | string {
  const first = text.trim().split(/\s+/)[0] ?? "";
  if (!/^\d+(\.\d+)?$/.test(first)) return `not a load average: "${first.slice(0, 40)}"`;
  return Number(first);
}
