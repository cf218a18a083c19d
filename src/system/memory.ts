/** Free memory as the kernel estimates it: MemAvailable in /proc/meminfo. */
import { parseWith, readText, type Reading } from "./reading.ts";

const KIB = 1024;

/** Bytes of memory available to new work without swapping. */
export function readMemoryAvailable(meminfoPath: string): Reading<number> {
  return parseWith(readText(meminfoPath), parseMemAvailable);
}

export function parseMemAvailable(text: string): number | string {
  const match = /^MemAvailable:\s+(\d+)\s*kB\s*$/m.exec(text);
  if (!match) return "no MemAvailable line";
  return Number(match[1]) * KIB;
}
