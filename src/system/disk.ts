/** Free disk space of the file system holding a path, from statfs(2). */
import { statfsSync } from "node:fs";
import { absent, isMissing, ok, unreadable, type Reading } from "./reading.ts";

/** Bytes an unprivileged process may still write (f_bavail, not f_bfree). */
export function readDiskFree(path: string): Reading<number> {
  try {
    const stats = statfsSync(path);
    return ok(Number(stats.bavail) * Number(stats.bsize), path);
  } catch (error) {
    if (isMissing(error)) return absent(path);
    return unreadable(path, (error as Error).message);
  }
}
