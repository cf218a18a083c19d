/**
 * The one place PicoFlow opens the C library through bun:ffi, for the few syscalls Bun has no
 * API for. Opened on first use only (the daemon's path), and only once per process caller:
 * callers keep the handle. Add a symbol here rather than opening libc again elsewhere.
 */
import { dlopen, FFIType, type Pointer } from "bun:ffi";

const LIBC_NAMES = ["libc.so.6", "libc.musl-aarch64.so.1", "libc.musl-x86_64.so.1"];

export interface Libc {
  /** adjtimex(2): the kernel's clock discipline state; returns the clock state (TIME_ERROR = 5). */
  adjtimex(timex: Pointer): number;
}

/** The C library, or why it could not be opened (not Linux, an unusual libc). */
export function openLibc(): Libc | string {
  let lastError = "";
  for (const name of LIBC_NAMES) {
    try {
      const lib = dlopen(name, { adjtimex: { args: [FFIType.ptr], returns: FFIType.i32 } });
      return { adjtimex: (timex) => lib.symbols.adjtimex(timex) };
    } catch (error) {
      lastError = (error as Error).message;
    }
  }
  return `cannot open the C library: ${lastError}`;
}
