/**
 * Files that hold history or task output (the database, its WAL and SHM, task logs, the
 * daemon's PID, state and log files) are for their owner only: 0600 files in 0700 folders,
 * whatever the umask. A mode given to open() is reduced by the umask, so it is set again
 * with fchmod on the new file.
 */
import { chmodSync, closeSync, fchmodSync, fstatSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Opens (creating if needed) a file; one this call created gets exactly PRIVATE_FILE_MODE. */
export function openPrivate(path: string, flags: "a" | "w" | "wx"): number {
  const fd = openSync(path, flags, PRIVATE_FILE_MODE);
  try {
    // Cheaper than a stat before the open: a file just created (or emptied by "w") is size 0.
    if (fstatSync(fd).size === 0) fchmodSync(fd, PRIVATE_FILE_MODE);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** Creates the file empty, owner-only, unless it exists (so SQLite creates its WAL and SHM alike). */
export function ensurePrivateFile(path: string): void {
  closeSync(openPrivate(path, "a"));
}

/** mkdir -p where every folder it creates is PRIVATE_DIR_MODE; existing ones are left as they are. */
export function makePrivateDirs(path: string): void {
  const first = mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  for (let dir = path; ; dir = dirname(dir)) {
    chmodSync(dir, PRIVATE_DIR_MODE);
    if (dir === first || dirname(dir) === dir) break;
  }
}
