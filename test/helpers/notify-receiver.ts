/**
 * Stands in for systemd's notify socket: a real AF_UNIX datagram socket, bound to a path or
 * an abstract name, through libc (Bun cannot bind datagram unix sockets itself). Messages are
 * collected by polling with MSG_DONTWAIT, so waiting on them never blocks the event loop.
 */
import { FFIType, ptr } from "bun:ffi";
import { rmSync } from "node:fs";
import { openLibc } from "../../src/platform/libc.ts";
import { unixAddress } from "../../src/platform/unix-address.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const MSG_DONTWAIT = 0x40;
const BUFFER_BYTES = 4096;
const POLL_MS = 10;

export interface NotifyMessage {
  /** Milliseconds since the receiver was bound. */
  atMs: number;
  text: string;
  /** The message's KEY=value lines. */
  fields: Record<string, string>;
}

export interface NotifyReceiver {
  /** What to put in NOTIFY_SOCKET. */
  address: string;
  messages: NotifyMessage[];
  /** Waits until a message satisfies the predicate (received since `from`), returns it. */
  waitFor(predicate: (message: NotifyMessage) => boolean, timeoutMs?: number, from?: number): Promise<NotifyMessage>;
  close(): void;
}

export function bindNotifyReceiver(address: string): NotifyReceiver {
  const libc = openLibc({
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  }).symbols;
  const sockaddr = unixAddress(address);
  if (typeof sockaddr === "string") throw new Error(`${address} ${sockaddr}`);
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0 || libc.bind(fd, ptr(sockaddr.bytes), sockaddr.length) !== 0) throw new Error(`cannot bind a datagram socket at ${address}`);
  const started = performance.now();
  const messages: NotifyMessage[] = [];
  const buffer = new Uint8Array(BUFFER_BYTES);
  const drain = () => {
    for (;;) {
      const size = Number(libc.recv(fd, ptr(buffer), BUFFER_BYTES, MSG_DONTWAIT));
      if (size < 0) return;
      const text = new TextDecoder().decode(buffer.subarray(0, size));
      const fields = Object.fromEntries(
        text
          .split("\n")
          .filter((line) => line.includes("="))
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
      messages.push({ atMs: performance.now() - started, text, fields });
    }
  };
  const timer = setInterval(drain, POLL_MS);
  return {
    address,
    messages,
    async waitFor(predicate, timeoutMs = 15_000, from = 0) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        drain();
        const found = messages.slice(from).find(predicate);
        if (found) return found;
        if (performance.now() > deadline) {
          throw new Error(`no matching notify message within ${timeoutMs} ms; got: ${JSON.stringify(messages.map((m) => m.text))}`);
        }
        await Bun.sleep(POLL_MS);
      }
    },
    close() {
      clearInterval(timer);
      libc.close(fd);
      if (!address.startsWith("@")) rmSync(address, { force: true });
    },
  };
}
