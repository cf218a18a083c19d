/**
 * The clock-sync check's view of the C library: adjtimex(2), opened through the one libc
 * door (src/platform/libc.ts) on first use only (the daemon's path).
 */
import { FFIType, type Pointer } from "bun:ffi";
import { openLibc as openLibcWith } from "../platform/libc.ts";

export interface Libc {
  /** adjtimex(2): the kernel's clock discipline state; returns the clock state (TIME_ERROR = 5). */
  adjtimex(timex: Pointer): number;
}

/** The C library, or why it could not be opened (not Linux, an unusual libc). */
export function openLibc(): Libc | string {
  try {
    const lib = openLibcWith({ adjtimex: { args: [FFIType.ptr], returns: FFIType.i32 } });
    return { adjtimex: (timex) => lib.symbols.adjtimex(timex) };
  } catch (error) {
    return `cannot open the C library: ${(error as Error).message}`;
  }
}
