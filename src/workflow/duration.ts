/** Durations in workflow files: seconds as a number, or a number with a unit (`90s`, `15m`, `6h`, `2d`). */
import * as v from "valibot";

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
const DURATION_TEXT = /^(\d+(?:\.\d+)?)([smhd]?)$/;
const DURATION_RULE = 'must be seconds as a number or a duration such as "90s", "15m", "6h", "2d"';

/** Seconds of a duration the schema accepted. */
export function durationSeconds(value: number | string): number {
  if (typeof value === "number") return value;
  const [, amount, unit] = DURATION_TEXT.exec(value.trim()) ?? [];
  return Number(amount) * (UNIT_SECONDS[unit || "s"] ?? 1);
}

/** A duration field; its output is seconds (so errors quote what the user wrote), from `minSeconds` up to `maxSeconds`. */
export function durationSchema(minSeconds: number, maxSeconds = Number.MAX_SAFE_INTEGER / 1000) {
  return v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.regex(DURATION_TEXT, DURATION_RULE))], DURATION_RULE),
    v.transform(durationSeconds),
    v.minValue(minSeconds, `must be at least ${minSeconds}s`),
    v.maxValue(maxSeconds, `must be at most ${maxSeconds}s`),
  );
}
