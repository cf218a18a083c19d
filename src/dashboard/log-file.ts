/** A task's log file, read whole or from an offset; a task that printed nothing has none. */
import { closeSync, openSync, readSync, statSync } from "node:fs";

/** The whole log as text; empty when the task never wrote one. */
export async function readLogText(path: string | undefined): Promise<string> {
  if (path === undefined) return "";
  const file = Bun.file(path);
  return (await file.exists()) ? await file.text() : "";
}

/** Size in bytes, 0 when missing. */
export function logSize(path: string | undefined): number {
  if (path === undefined) return 0;
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The bytes from `offset` to the current end (at most `max`). */
export function readLogFrom(path: string, offset: number, max: number): Uint8Array {
  const size = logSize(path);
  if (size <= offset) return new Uint8Array(0);
  const length = Math.min(size - offset, max);
  const buffer = new Uint8Array(length);
  const fd = openSync(path, "r");
  try {
    const read = readSync(fd, buffer, 0, length, offset);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
