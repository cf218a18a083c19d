/** A process's memory for the benchmarks: the daemon's own /proc/PID/status reader, in the benchmarks' shape. */
import { readMemory } from "../src/daemon/memory.ts";

export interface Memory {
  /** VmRSS: resident pages, the binary's shared file-backed pages included. */
  rss: number;
  /** RssAnon: the private anonymous part, what one more process really costs. */
  anon: number;
}

/** Throws when the process is gone: a benchmark sampling a dead daemon must not record a figure. */
export function memoryOf(pid: number): Memory {
  const usage = readMemory(pid);
  if (!usage) throw new Error(`no memory figures for PID ${pid}: the process is gone`);
  return { rss: usage.rssBytes, anon: usage.rssAnonBytes ?? Number.NaN };
}
