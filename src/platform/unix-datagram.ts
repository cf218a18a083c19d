/**
 * Sends datagrams to an AF_UNIX socket, by path or in the abstract namespace (`@name`), through
 * libc: Bun's own sockets do stream and UDP only. One socket is opened and reused for every send.
 */
import { FFIType, ptr, read } from "bun:ffi";
import { ERRNO_SYMBOL, openLibc } from "./libc.ts";

// Linux values; the same on x86_64 and arm64.
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const MSG_DONTWAIT = 0x40;
/** sizeof(struct sockaddr_un): a 2-byte family and 108 bytes of path. */
const SOCKADDR_UN_SIZE = 110;
const SUN_PATH_OFFSET = 2;
export const SUN_PATH_MAX = 108;

const SYMBOLS = {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
  ...ERRNO_SYMBOL,
} as const;

/** A socket address: the bytes of struct sockaddr_un and the length to pass with them. */
export interface UnixAddress {
  bytes: Uint8Array;
  length: number;
}

/**
 * Builds sockaddr_un for `/path` or `@abstract`. An abstract name starts with a NUL byte and
 * its length counts exactly its bytes (no terminator), as systemd's sd_notify does.
 */
export function unixAddress(address: string): UnixAddress | string {
  const abstract = address.startsWith("@");
  if (!abstract && !address.startsWith("/")) return "must be an absolute path or an abstract name starting with @";
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  // The leading NUL of an abstract name, or the terminating NUL of a path.
  const pathBytes = name.length + 1;
  if (pathBytes > SUN_PATH_MAX) return `is longer than a unix socket address may be (${SUN_PATH_MAX} bytes)`;
  const bytes = new Uint8Array(SOCKADDR_UN_SIZE);
  new DataView(bytes.buffer).setUint16(0, AF_UNIX, true);
  bytes.set(name, SUN_PATH_OFFSET + (abstract ? 1 : 0));
  return { bytes, length: SUN_PATH_OFFSET + pathBytes };
}

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
