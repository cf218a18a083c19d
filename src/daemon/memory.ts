/** Memory figures of a process from /proc/<pid>/status. */
import { readFileSync } from "node:fs";

const KIB = 1024;

export interface MemoryUsage {
  /** VmRSS: resident set, shared pages included. */
  rssBytes: number;
  /** RssAnon: private anonymous memory, what the process itself costs. */
  rssAnonBytes: number | undefined;
}

function field(status: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) * KIB : undefined;
}

export function readMemory(pid: number | "self" = "self"): MemoryUsage | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rssBytes = field(status, "VmRSS");
    if (rssBytes === undefined) return undefined;
    return { rssBytes, rssAnonBytes: field(status, "RssAnon") };
  } catch {
    return undefined;
  }
}

/** RSS of this process: /proc when there is one, else the runtime's own figure. */
export function ownRssBytes(): number {
  return readMemory()?.rssBytes ?? process.memoryUsage.rss();
}
