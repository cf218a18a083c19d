/**
 * Sends datagrams to an AF_UNIX socket, by path or in the abstract namespace (`@name`), through
 * libc: Bun's own sockets do stream and UDP only. One socket is opened and reused for every send.
 * Imported only when needed: loading bun:ffi is not free (see bench/README.md).
 */
import { FFIType, ptr, read } from "bun:ffi";
import { ERRNO_SYMBOL, openLibc } from "./libc.ts";
import type { UnixAddress } from "./unix-address.ts";

// Linux values; the same on x86_64 and arm64.
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const MSG_DONTWAIT = 0x40;

const SYMBOLS = {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
  ...ERRNO_SYMBOL,
} as const;

export interface DatagramSender {
  /** Sends one datagram without blocking; on failure returns the errno. */
  send(message: string): { ok: true } | { ok: false; errno: number };
  close(): void;
}

export function openDatagramSender(address: UnixAddress): DatagramSender {
  const libc = openLibc(SYMBOLS).symbols;
  const errno = () => read.i32(libc.__errno_location()!, 0);
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket(AF_UNIX, SOCK_DGRAM) failed (errno ${errno()})`);
  const addressPtr = ptr(address.bytes);
  let open = true;
  return {
    send(message) {
      const data = new TextEncoder().encode(message);
      const sent = libc.sendto(fd, ptr(data), data.length, MSG_NOSIGNAL | MSG_DONTWAIT, addressPtr, address.length);
      return Number(sent) === data.length ? { ok: true } : { ok: false, errno: errno() };
    },
    close() {
      if (open) libc.close(fd);
      open = false;
    },
  };
}
