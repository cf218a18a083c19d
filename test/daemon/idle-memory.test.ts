/**
 * The idle daemon gives its executable's clean pages back ([daemon] release_idle_memory),
 * measured from outside the process in /proc/PID/status, and still fires on time after.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { QUIET_PERIOD_MS } from "../../src/daemon/idle-memory.ts";
import { type DaemonProcess, daemonDir, executions, type LogLine, shellTask, started, waitFor, workflowYaml } from "./helpers.ts";

const KIB = 1024;
/** What the release must at least give back, well under what it gives (tens of MB). */
const MIN_DROP_KB = 4 * KIB;
/** Generous for two shared cores: the benchmark records the real figures (bench/README.md). */
const ON_TIME_MS = 1000;

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

/** File-backed resident kB of a process (RssFile), read from outside it. */
function residentFileKb(pid: number): number {
  const match = /^RssFile:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no RssFile in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Samples RssFile every few milliseconds until stopped; the largest value seen so far. */
function sampler(pid: number) {
  let max = residentFileKb(pid);
  const timer = setInterval(() => {
    try {
      max = Math.max(max, residentFileKb(pid));
    } catch {
      // The process is gone; the test will say so.
    }
  }, 20);
  return {
    max: () => max,
    stop: () => clearInterval(timer),
  };
}

const released = (line: LogLine) => line.msg === "released idle memory";

/** The first log line after the first `skip` lines that matches. */
function logAfter(daemon: DaemonProcess, skip: number, match: (line: LogLine) => boolean, what: string): Promise<{ line: LogLine; index: number }> {
  return waitFor(
    () => {
      const index = daemon.logs().findIndex((line, at) => at >= skip && match(line));
      return index >= 0 && { line: daemon.logs()[index] as LogLine, index };
    },
    20_000,
    what,
  );
}

test("after a quiet period the daemon's resident memory falls, and the next fire is still on time", async () => {
  env = daemonDir();
  // Every 4 s: each run ends, the quiet period passes, the pages go, and the next fire comes 2-3 s later.
  const file = env.write("tick.yaml", workflowYaml("tick", "*/4 * * * * *", shellTask("hello", "/bin/true", [])));
  const daemon = env.start([file]);
  await started(daemon);
  const samples = sampler(daemon.pid);
  const db = join(env.dir, "picoflow.db");
  // A release that follows an execution (not only the one after start-up).
  await waitFor(() => executions(db, "tick").some((row) => row.status === "Success"), 20_000, "a finished run");
  const peak = samples.max();
  samples.stop();
  const { line: release, index: releasedAt } = await logAfter(daemon, daemon.logs().length, released, "a release after the run");
  const afterRelease = residentFileKb(daemon.pid);
  expect(Number(release.released_kb)).toBeGreaterThan(MIN_DROP_KB);
  expect(Number(release.rss_after_kb)).toBeLessThan(Number(release.rss_before_kb) - MIN_DROP_KB);
  expect(afterRelease).toBeLessThan(peak - MIN_DROP_KB);

  // The fire right after the release: its lateness as the daemon logged it, and its run succeeded.
  const { line: fired } = await logAfter(daemon, releasedAt + 1, (line) => line.msg === "schedule fired", "the fire after the release");
  expect(Number(fired.late_ms)).toBeLessThan(ON_TIME_MS);
  const scheduledAt = String(fired.scheduled_at);
  await waitFor(
    () => executions(db, "tick").some((row) => row.status === "Success" && Date.parse(`${row.started_at.replace(" ", "T")}Z`) >= Date.parse(scheduledAt)),
    10_000,
    "the run after the release to succeed",
  );
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 60_000);

test("a scrape and a dashboard request each count as activity: a release follows each", async () => {
  env = daemonDir();
  const file = env.write("hourly.yaml", workflowYaml("hourly", "0 0 * * * *", shellTask("hello", "/bin/true", [])));
  const daemon = env.start([file]);
  await started(daemon);
  const first = await logAfter(daemon, 0, released, "the release after start-up");
  const port = JSON.parse(readFileSync(join(env.dir, "picoflow-daemon.json"), "utf8")).metricsPort;
  for (const path of ["/metrics", "/"]) {
    const seen = daemon.logs().length;
    await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
    const after = await logAfter(daemon, seen, released, `a release after GET ${path}`);
    expect(after.index).toBeGreaterThan(first.index);
  }
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 60_000);

test("release_idle_memory = false leaves the daemon's memory alone", async () => {
  env = daemonDir();
  env.write("picoflow.toml", "[daemon]\nrelease_idle_memory = false\n");
  const file = env.write("hourly.yaml", workflowYaml("hourly", "0 0 * * * *", shellTask("hello", "/bin/true", [])));
  const daemon = env.start([file]);
  await started(daemon);
  const atStart = residentFileKb(daemon.pid);
  // A scrape is activity too: with the release on, it would be followed by one.
  const port = JSON.parse(readFileSync(join(env.dir, "picoflow-daemon.json"), "utf8")).metricsPort;
  expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
  // Nothing to wait for when nothing happens: several quiet periods.
  await Bun.sleep(5 * QUIET_PERIOD_MS);
  expect(daemon.logs().filter(released)).toEqual([]);
  expect(residentFileKb(daemon.pid)).toBeGreaterThan(atStart - MIN_DROP_KB);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 60_000);
