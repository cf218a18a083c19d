/**
 * The peak RSS of one command, its own. Bun.spawn's `resourceUsage().maxRSS` cannot give it:
 * the child starts inside the spawning process's memory (vfork) and Linux carries that
 * high-water mark across exec, so a 300 MB test runner reads as a 300 MB child. GNU time forks
 * from its own 2 MB process and reports the command's peak from wait4. Tests and bench/ alike.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const GNU_TIME = "/usr/bin/time";

export interface MeasuredRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The command's own peak resident set size. */
  peakRssBytes: number;
}

export async function runMeasured(command: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<MeasuredRun> {
  const dir = mkdtempSync(join(tmpdir(), "picoflow-peak-rss-"));
  const report = join(dir, "time.txt");
  try {
    const child = Bun.spawn([GNU_TIME, "--format=%M", `--output=${report}`, "--", ...command], {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: options.env ?? process.env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    // A failing command gets a "Command exited with non-zero status N" line first; the figure is last, in KiB.
    const kib = Number(readFileSync(report, "utf8").trim().split("\n").at(-1));
    if (!Number.isInteger(kib) || kib <= 0) throw new Error(`${GNU_TIME} reported no peak RSS for ${command.join(" ")}`);
    return { exitCode, stdout, stderr, peakRssBytes: kib * 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
