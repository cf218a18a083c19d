/**
 * Drops the resident pages of the daemon's own executable that it is not using, through
 * madvise(2) via bun:ffi. Linux only; anything else (no FFI, no libc.so.6, no /proc) makes
 * `openPageRelease` say why it is unsupported, and the caller skips the release.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { type Mapping, parseSmaps, releasableMappings } from "./clean-mappings.ts";

/**
 * MADV_DONTNEED, not MADV_PAGEOUT: since Linux 6.x the kernel ignores MADV_PAGEOUT on file
 * pages of a file the caller neither owns nor may write (measured: no effect as a non-root user
 * on a root-owned binary, which is how the systemd unit runs it), and where it does work it
 * evicts the pages from the page cache, so the next fire reads them from the SD card again.
 * MADV_DONTNEED on a clean read-only file mapping only unmaps: the pages stay in the page
 * cache (reclaimable, and reclaimed before mapped code would be) and come back on a minor fault.
 */
const MADV_DONTNEED = 4;

export interface PageRelease {
  /** Drops what can be dropped now; how many mappings and resident kB were given back. */
  release(): { mappings: number; kb: number };
}

export type PageReleaseSupport = { kind: "supported"; pages: PageRelease } | { kind: "unsupported"; reason: string };

type Madvise = (address: bigint, length: bigint, advice: number) => number;

/** Loads bun:ffi only here, so nothing else pays for it. */
export async function openPageRelease(): Promise<PageReleaseSupport> {
  if (process.platform !== "linux") return { kind: "unsupported", reason: `not Linux (${process.platform})` };
  let executable: string;
  try {
    executable = readlinkSync("/proc/self/exe");
    readFileSync("/proc/self/smaps", "utf8");
  } catch (error) {
    return { kind: "unsupported", reason: `cannot read /proc/self: ${(error as Error).message}` };
  }
  let madvise: Madvise;
  try {
    const [{ FFIType }, { openLibc }] = await Promise.all([import("bun:ffi"), import("../platform/libc.ts")]);
    const libc = openLibc({ madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 } });
    madvise = libc.symbols.madvise as Madvise;
  } catch (error) {
    return { kind: "unsupported", reason: `bun:ffi cannot call libc's madvise: ${(error as Error).message}` };
  }
  return { kind: "supported", pages: { release: () => releaseOnce(madvise, executable) } };
}

function releaseOnce(madvise: Madvise, executable: string): { mappings: number; kb: number } {
  // Read and act in the same synchronous stretch: the executable's mappings cannot change meanwhile.
  const targets: Mapping[] = releasableMappings(parseSmaps(readFileSync("/proc/self/smaps", "utf8")), executable);
  let kb = 0;
  let mappings = 0;
  for (const mapping of targets) {
    if (madvise(mapping.start, mapping.end - mapping.start, MADV_DONTNEED) !== 0) continue;
    mappings++;
    kb += mapping.rssKb;
  }
  return { mappings, kb };
}
