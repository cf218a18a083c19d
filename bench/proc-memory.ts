/** A process's memory for the benchmarks, from /proc/PID/status. */
import { readFileSync } from "node:fs";

export interface Memory {
  /** VmRSS: resident pages, the binary's shared file-backed pages included. */
  rss: number;
  /** RssAnon: the private anonymous part, what one more process really costs. */
  anon: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb("VmRSS"), anon: kb("RssAnon") };
}
