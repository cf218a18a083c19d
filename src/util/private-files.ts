/**
 * Files that hold history or task output (the database, its WAL and SHM, task logs, the
 * daemon's PID, state and log files) are for their owner only: 0600 files in 0700 folders,
 * whatever the umask. A mode given to open() is reduced by the umask, so it is set again
 * with fchmod on the new file.
 */
import { accessSync, chmodSync, closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
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

/**
 * Why this user cannot read (or write) a file, when the reason is its mode: "permission
 * denied: only its owner (picoflow) may read it; run this as that user, e.g. sudo -u
 * picoflow picoflow ...". Undefined when it can, or fails for another reason.
 */
export function ownerOnlyProblem(path: string, access: "read" | "write" = "read"): string | undefined {
  try {
    accessSync(path, access === "read" ? constants.R_OK : constants.R_OK | constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") return undefined;
  }
  const owner = ownerName(path);
  return owner
    ? `permission denied: only its owner (${owner}) may ${access} it; run this as that user, e.g. sudo -u ${owner} picoflow ...`
    : `permission denied: only its owner may ${access} it; run this as that user`;
}

/** The owner's user name from /etc/passwd, or its uid; undefined when the file cannot be looked at. */
function ownerName(path: string): string | undefined {
  let uid: number;
  try {
    uid = statSync(path).uid;
  } catch {
    return undefined;
  }
  try {
    const entry = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .map((line) => line.split(":"))
      .find((fields) => fields[2] === String(uid));
    return entry?.[0] || String(uid);
  } catch {
    return String(uid);
  }
}
