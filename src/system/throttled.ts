/**
 * The Raspberry Pi firmware's throttling bits, as its sysfs file (`50005`) or vcgencmd
 * (`throttled=0x50005`) prints them. The low bits say what is happening now, the same bits
 * 16 higher say whether it has happened since boot.
 */
import { parseWith, readText, type Reading } from "./reading.ts";

export const THROTTLE_FLAGS = ["under_voltage", "arm_frequency_capped", "throttled", "soft_temperature_limit"] as const;
export type ThrottleFlag = (typeof THROTTLE_FLAGS)[number];

export interface ThrottleState {
  now: boolean;
  sinceBoot: boolean;
}
export type ThrottledFlags = Record<ThrottleFlag, ThrottleState>;

const SINCE_BOOT_SHIFT = 16;

export function readThrottled(throttledPath: string): Reading<ThrottledFlags> {
  return parseWith(readText(throttledPath), parseThrottled);
}

export function parseThrottled(text: string): ThrottledFlags | string {
  const trimmed = text.trim().replace(/\0/g, "");
  const hex = trimmed.replace(/^throttled=/i, "").replace(/^0x/i, "");
  if (!/^[0-9a-f]{1,8}$/i.test(hex)) return `not throttling flags in hex: "${trimmed.slice(0, 40)}"`;
  return decodeThrottled(Number.parseInt(hex, 16));
}

export function decodeThrottled(bits: number): ThrottledFlags {
  const flag = (bit: number): ThrottleState => ({
    now: ((bits >>> bit) & 1) === 1,
    sinceBoot: ((bits >>> (bit + SINCE_BOOT_SHIFT)) & 1) === 1,
  });
  return {
    under_voltage: flag(0),
    arm_frequency_capped: flag(1),
    throttled: flag(2),
    soft_temperature_limit: flag(3),
  };
}

/** True when any flag is active right now (what the `not_throttled` gate refuses). */
export function anyThrottledNow(flags: ThrottledFlags): boolean {
  return THROTTLE_FLAGS.some((name) => flags[name].now);
}
