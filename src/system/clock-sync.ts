/**
 * May the daemon trust the wall clock? A board without a real-time clock boots at 1970 (or at
 * whatever fake-hwclock saved) until NTP answers; firing schedules then would run the wrong
 * ones. The answer comes from three signals: the build date (a clock earlier than the binary
 * is certainly wrong), systemd-timesyncd's flag file (created once it has synchronised), and
 * the kernel's own flag as adjtimex(2) reports it.
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { ptr } from "bun:ffi";
import type { ClockSyncMode } from "../config/defaults.ts";
import { type Libc, openLibc } from "./libc.ts";

/** Set by `bun build --define` in release builds; a source checkout uses BUILD_DATE_FLOOR. */
declare const PICOFLOW_BUILD_DATE: string | undefined;
/** No clock earlier than this can be right for any PicoFlow with this code. */
const BUILD_DATE_FLOOR = "2026-01-01T00:00:00Z";

export function buildDate(): Date {
  const stamped = typeof PICOFLOW_BUILD_DATE === "string" ? new Date(PICOFLOW_BUILD_DATE) : undefined;
  return stamped && !Number.isNaN(stamped.getTime()) ? stamped : new Date(BUILD_DATE_FLOOR);
}

export type ClockVerdict = { trusted: true } | { trusted: false; reason: string };

/** What the kernel says about its clock; undefined when it cannot be asked. */
export type KernelClockSync = () => boolean | undefined;

export interface ClockSignals {
  now: () => Date;
  buildDate: Date;
  /** `[system] clock_synced_file`. */
  syncedFile: string;
  kernelSynced: KernelClockSync;
}

/**
 * `ignore` always trusts the clock; `auto` and `wait` never trust one earlier than the build.
 * Where systemd-timesyncd runs (the flag file's folder exists), its flag decides: no file, no
 * trust. Elsewhere `wait` asks the kernel and trusts the clock only when it says synchronised,
 * while `auto` trusts it: machines without any NTP client (containers, many boards) never
 * clear the kernel's flag, and `auto` must not wait forever there.
 */
export function clockVerdict(mode: ClockSyncMode, signals: ClockSignals): ClockVerdict {
  if (mode === "ignore") return { trusted: true };
  const now = signals.now();
  if (now.getTime() < signals.buildDate.getTime()) {
    return { trusted: false, reason: `the clock (${now.toISOString()}) is earlier than this build (${signals.buildDate.toISOString()})` };
  }
  if (existsSync(dirname(signals.syncedFile))) {
    return existsSync(signals.syncedFile) ? { trusted: true } : { trusted: false, reason: `${signals.syncedFile} does not exist yet` };
  }
  if (mode === "auto") return { trusted: true };
  const kernel = signals.kernelSynced();
  if (kernel === true) return { trusted: true };
  const kernelSays = kernel === false ? "the kernel reports the clock unsynchronised" : "the kernel's clock state cannot be read";
  return { trusted: false, reason: `no ${signals.syncedFile} and ${kernelSays}` };
}

/** adjtimex(2) clock state meaning "not synchronised". */
const TIME_ERROR = 5;
/** timex.status bit: the clock is not synchronised. */
const STA_UNSYNC = 0x0040;
/** struct timex is 208 bytes on 64-bit Linux (x86_64 and arm64 alike); `status` is the int at byte 40. */
const TIMEX_BYTES = 208;
const TIMEX_STATUS_OFFSET = 40;

/** The kernel's synchronised flag through adjtimex with modes 0 (read only). */
export function kernelClockSync(): KernelClockSync {
  let libc: Libc | string | undefined;
  return () => {
    libc ??= openLibc();
    if (typeof libc === "string") return undefined;
    const timex = new Uint8Array(TIMEX_BYTES);
    const state = libc.adjtimex(ptr(timex));
    if (state < 0) return undefined;
    const status = new DataView(timex.buffer).getInt32(TIMEX_STATUS_OFFSET, true);
    return state !== TIME_ERROR && (status & STA_UNSYNC) === 0;
  };
}

/** The daemon's question, with the real clock and kernel. */
export function systemClockTrust(mode: ClockSyncMode, syncedFile: string): () => ClockVerdict {
  const signals: ClockSignals = { now: () => new Date(), buildDate: buildDate(), syncedFile, kernelSynced: kernelClockSync() };
  return () => clockVerdict(mode, signals);
}
