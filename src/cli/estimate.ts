/**
 * validate's `Estimated execution time:` line: the range of the workflow's recent successful
 * durations, in the unit that suits the longest, and how many runs it rests on.
 */
import { plural } from "./format.ts";

/** Recent enough to follow a workflow whose tasks changed, enough to smooth one odd run. */
export const ESTIMATE_RUNS = 20;

const UNITS = [
  { word: "second", seconds: 1 },
  { word: "minute", seconds: 60 },
  { word: "hour", seconds: 3600 },
] as const;

/** One decimal below 10 of a unit ("0.4", "2.5"), whole numbers above ("15"). */
function amount(value: number, round: (n: number) => number): number {
  return value < 10 ? round(value * 10) / 10 : round(value);
}

/** `15-20 minutes`, `0.4-0.9 seconds`, `about 2 hours`; the range widens outwards when rounding. */
export function formatRange(durationsSeconds: readonly number[]): string {
  const low = Math.min(...durationsSeconds);
  const high = Math.max(...durationsSeconds);
  const unit = [...UNITS].reverse().find((candidate) => high >= candidate.seconds) ?? UNITS[0];
  const from = amount(low / unit.seconds, Math.floor);
  const to = Math.max(amount(high / unit.seconds, Math.ceil), from);
  const words = from === to && to === 1 ? unit.word : `${unit.word}s`;
  return from === to ? `about ${to} ${words}` : `${from}-${to} ${words}`;
}

/** The line, or undefined when there is no successful run to go by. */
export function estimateLine(durationsSeconds: readonly number[]): string | undefined {
  if (durationsSeconds.length === 0) return undefined;
  return `Estimated execution time: ${formatRange(durationsSeconds)} (from ${plural(durationsSeconds.length, "successful run")})`;
}
