/**
 * Does SSH support cost idle memory? ssh2 is imported only when an SSH task starts, so a
 * compiled binary whose SSH task has not started yet should use what a shell-only run uses.
 *
 *   bun bench/ssh-idle-memory.ts [--runs N] [--no-build]
 *
 * Builds dist/picoflow (`bun run build`), then runs three workflows and samples the picoflow
 * process's VmRSS and RssAnon (/proc/PID/status) while a `sleep 2` shell task runs:
 *   shell only          the sleep alone
 *   shell task waiting  the sleep, plus a shell task that depends on it: the control for...
 *   ssh task waiting    the sleep, plus an SSH task that depends on it (not started yet)
 *   http task waiting   the same with an HTTP task, a second control
 *   ssh2 loaded         an SSH task runs first (to a closed loopback port: it loads ssh2 and
 *                       fails at once, continue_on_failure), then the sleep
 * Each scenario runs N times (default 11), interleaved; the table shows medians of each run's peak.
 */
import { cpus, release } from "node:os";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { $ } from "bun";
import { readMemory } from "../src/daemon/memory.ts";
import { freePort } from "../test/helpers/ports.ts";
import { median } from "./median.ts";

const ROOT = resolve(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "picoflow");
const SAMPLE_INTERVAL_MS = 50;
const DEFAULT_RUNS = 11;
const KIB_PER_MIB = 1024;

interface Sample {
  vmRssKib: number;
  rssAnonKib: number;
}

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || DEFAULT_RUNS;
if (!args.includes("--no-build")) await $`bun run build`.cwd(ROOT).quiet();

const work = mkdtempSync(join(tmpdir(), "picoflow-bench-ssh-"));
const home = join(work, "home");
await $`mkdir -p ${home}/.ssh && ssh-keygen -q -t ed25519 -N "" -f ${home}/.ssh/id_ed25519`.quiet();
const closedPort = await freePort();

const sleepTask = (dependsOn?: string) => `
  - name: pause
    type: shell${dependsOn ? `\n    depends_on: [${dependsOn}]` : ""}
    config:
      command: /bin/sleep
      args: ["2"]`;
const sshTask = (dependsOn?: string) => `
  - name: remote
    type: ssh
    continue_on_failure: true${dependsOn ? `\n    depends_on: [${dependsOn}]` : ""}
    config:
      host: 127.0.0.1
      port: ${closedPort}
      user: bench
      command: "true"
      timeout: 5`;

const waitingShellTask = `
  - name: after
    type: shell
    continue_on_failure: true
    depends_on: [pause]
    config:
      command: /bin/true`;

const waitingHttpTask = `
  - name: remote
    type: http
    continue_on_failure: true
    depends_on: [pause]
    config:
      url: "http://127.0.0.1:${closedPort}/"
      timeout: 5`;

const scenarios = [
  { name: "shell only", yaml: `name: bench-shell\ntasks:${sleepTask()}\n` },
  { name: "shell task waiting", yaml: `name: bench-shell-waiting\ntasks:${sleepTask()}${waitingShellTask}\n` },
  { name: "ssh task waiting", yaml: `name: bench-ssh-waiting\ntasks:${sleepTask()}${sshTask("pause")}\n` },
  { name: "http task waiting", yaml: `name: bench-http-waiting\ntasks:${sleepTask()}${waitingHttpTask}\n` },
  { name: "ssh2 loaded", yaml: `name: bench-ssh-loaded\ntasks:${sshTask()}${sleepTask("remote")}\n` },
];

const peaks = new Map<string, Sample[]>(scenarios.map((scenario) => [scenario.name, []]));
try {
  for (let round = 0; round < runs; round++) {
    for (const scenario of scenarios) peaks.get(scenario.name)?.push(await measure(scenario.name, scenario.yaml));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const mib = (kib: number) => (kib / KIB_PER_MIB).toFixed(1);
const baseline = median((peaks.get("shell only") ?? []).map((s) => s.rssAnonKib));
console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores), Linux ${release()}, Bun ${Bun.version}`);
console.log(`binary: dist/picoflow, ${runs} runs per scenario, medians of each run's peak while the sleep task runs\n`);
console.log("| scenario | VmRSS (MiB) | RssAnon (MiB) | RssAnon range (MiB) | RssAnon vs shell only |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, samples] of peaks) {
  const anon = samples.map((s) => s.rssAnonKib);
  const delta = median(anon) - baseline;
  const range = `${mib(Math.min(...anon))}-${mib(Math.max(...anon))}`;
  console.log(`| ${name} | ${mib(median(samples.map((s) => s.vmRssKib)))} | ${mib(median(anon))} | ${range} | ${delta >= 0 ? "+" : ""}${mib(delta)} |`);
}

/** Runs one workflow and returns the picoflow process's peak memory while its sleep task ran. */
async function measure(name: string, yaml: string): Promise<Sample> {
  const file = join(work, "workflow.yaml");
  writeFileSync(file, yaml);
  const child = Bun.spawn([BINARY, "run", file, "--db-path", join(work, "bench.db")], {
    cwd: work,
    env: { ...process.env, HOME: home, PICOFLOW_LOG_FORMAT: "json" },
    stdout: "ignore",
    stderr: "ignore",
  });
  let peak: Sample = { vmRssKib: 0, rssAnonKib: 0 };
  let sawSleep = false;
  while (child.exitCode === null) {
    // Only while the picoflow process's /bin/sleep child is alive: the task is running.
    if (hasSleepChild(child.pid)) {
      sawSleep = true;
      const sample = readStatus(child.pid);
      if (sample) peak = { vmRssKib: Math.max(peak.vmRssKib, sample.vmRssKib), rssAnonKib: Math.max(peak.rssAnonKib, sample.rssAnonKib) };
    }
    await Bun.sleep(SAMPLE_INTERVAL_MS);
  }
  await child.exited;
  if (!sawSleep) throw new Error(`${name}: never saw the sleep task running`);
  return peak;
}

function hasSleepChild(pid: number): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid && name === "sleep") return true;
    } catch {
      // Gone while we looked.
    }
  }
  return false;
}

/** The daemon's own /proc status reader, in KiB. */
function readStatus(pid: number): Sample | undefined {
  const memory = readMemory(pid);
  return memory && { vmRssKib: memory.rssBytes / 1024, rssAnonKib: (memory.rssAnonBytes ?? 0) / 1024 };
}
