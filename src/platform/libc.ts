/**
 * The one door to the C library through bun:ffi, for the few syscalls Bun has no API for
 * (an AF_UNIX datagram to systemd, madvise, prctl ...). Each caller opens only the symbols
 * it needs, when it first needs them, so a process that never uses one pays nothing.
 */
import { dlopen, type FFIFunction, type Library } from "bun:ffi";

/** glibc's soname (Debian, Raspberry Pi OS, Ubuntu; x86_64 and arm64 alike), then musl's. */
const LIBC_NAMES = ["libc.so.6", "libc.musl-aarch64.so.1", "libc.musl-x86_64.so.1"];

export class LibcUnavailableError extends Error {}

/** Opens libc with the given symbols; a clear error when it (or a symbol) cannot be loaded. */
export function openLibc<const Symbols extends Record<string, FFIFunction>>(symbols: Symbols): Library<Symbols> {
  let lastError: unknown;
  for (const name of LIBC_NAMES) {
    try {
      return dlopen(name, symbols);
    } catch (error) {
      lastError = error;
    }
  }
  throw new LibcUnavailableError(`cannot load the C library through bun:ffi: ${(lastError as Error).message}`, { cause: lastError });
}

/** errno after a failed call: glibc's __errno_location() points at this thread's errno. */
export const ERRNO_SYMBOL = { __errno_location: { args: [], returns: "ptr" } } as const satisfies Record<string, FFIFunction>;
