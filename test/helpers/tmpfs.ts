/**
 * A small tmpfs, for tests of a full or read-only disk that are real: CI runs as root. Where
 * mounting is not allowed the caller skips, saying why (SKIP_REASON).
 */
import { mkdirSync } from "node:fs";

export const SKIP_REASON = "mounting a tmpfs needs root (CAP_SYS_ADMIN)";
export const canMountTmpfs = process.getuid?.() === 0;

/** Mounts a tmpfs of `size` (e.g. "256k") at `dir`, creating it; false when the system refuses. */
export function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stderr: "ignore" }).exitCode === 0;
}

export function remountReadOnly(dir: string): boolean {
  return Bun.spawnSync(["mount", "-o", "remount,ro", dir], { stderr: "ignore" }).exitCode === 0;
}

export function unmount(dir: string): void {
  Bun.spawnSync(["umount", dir], { stderr: "ignore" });
}
