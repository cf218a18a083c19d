/**
 * The daemon's memory and timing, measured on the compiled binary (dist/picoflow), each phase
 * a fresh daemon in a fresh folder with 10 hourly workflows loaded (so it idles between fires):
 *   idle      RSS / RssAnon 10 s after the last scrape;
 *   average   RSS / RssAnon averaged over 60 s (from 5 s after start), one more workflow firing every 5 s,
 *             a scrape every 15 s;
 *   parallel  peak RSS / RssAnon while 10 workflows run `sleep 5` at the same second (sampled from the fire on);
 *   lateness  60 fires of a workflow due every 3 s (each after an idle release): started_at vs its second;
 *   cold      the first fire after `echo 3 > /proc/sys/vm/drop_caches` (root only), several times;
 *   hundred   a 100-task workflow (max_parallel 4) run by the daemon: its duration and the daemon's CPU time;
 *   growth    RSS over 1000 runs of 10 every-second workflows: after warm-up vs the end.
 *
 *   bun bench/daemon-memory.ts [--no-build] [--bin PATH] [--only PHASE,...] [--env KEY=VALUE]...
 *                              [--runs 1000] [--fires 60] [--cold 5] [--hundred 5]
 *
 * --env sets a variable in the daemon's environment (e.g. to compare JSC settings). RSS = VmRSS
 * from /proc/PID/status, what `ps` shows; RssAnon = its private anonymous part.
 */
import { Database } from "bun:sqlite";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Glob } from "bun";
import { type Memory, memoryOf } from "./proc-memory.ts";

const ROOT = resolve(import.meta.dir, "..");
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const BIN = args.includes("--bin") ? resolve(String(args[args.indexOf("--bin") + 1])) : join(ROOT, "dist/picoflow");
const PHASES = ["idle", "average", "parallel", "lateness", "cold", "hundred", "growth"] as const;
type Phase = (typeof PHASES)[number];
const only = args.includes("--only") ? String(args[args.indexOf("--only") + 1]).split(",") : [...PHASES];
const EXTRA_ENV = Object.fromEntries(
  args.flatMap((arg, i) => (arg === "--env" ? [String(args[i + 1]).split(/=(.*)/s).slice(0, 2) as [string, string]] : [])),
);
const HOURLY = 10;
const TOTAL_RUNS = option("--runs", 1000);
const LATENESS_FIRES = option("--fires", 60);
const COLD_FIRES = option("--cold", 5);
const HUNDRED_RUNS = option("--hundred", 5);
const IDLE_AFTER_SCRAPE_MS = 10_000;
const AVERAGE_MS = 60_000;
const AVERAGE_SETTLE_MS = 5000;
const SCRAPE_EVERY_MS = 15_000;
const SAMPLE_MS = 100;
const WARMUP_SECONDS = 20;
const PARALLEL_SLEEP_SECONDS = 5;
const MB = 1024 * 1024;


const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const both = (m: Memory) => `RSS ${mb(m.rss)} (RssAnon ${mb(m.anon)})`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const describe = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50)} ms  p99 ${percentile(s, 99)} ms  max ${s.at(-1)} ms (${s.length})`;
};

async function ensureBinary(): Promise<void> {
  if (args.includes("--no-build") || args.includes("--bin")) return;
  const built = statSync(BIN, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const newest = Math.max(...[...new Glob("src/**/*.ts").scanSync({ cwd: ROOT, absolute: true })].map((file) => statSync(file).mtimeMs));
  if (built > newest) return;
  console.log("building dist/picoflow (bun run build) ...");
  const build = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (build.exitCode !== 0) throw new Error("bun run build failed");
}

function workflow(name: string, schedule: string, command: string, commandArgs: string[]): string {
  return `name: ${name}\nschedule: "${schedule}"\ntasks:\n  - name: work\n    type: shell\n    config:\n      command: ${command}\n      args: ${JSON.stringify(commandArgs)}\n`;
}

/** 100 `/bin/true` tasks in 10 layers of 10, each depending on one task of the layer before. */
function hundredTasks(schedule: string): string {
  const tasks = Array.from({ length: 100 }, (_, i) => {
    const after = i >= 10 ? `\n    depends_on: [t${i - 10}]` : "";
    return `  - name: t${i}\n    type: shell${after}\n    config:\n      command: /bin/true`;
  });
  return `name: hundred\nschedule: "${schedule}"\nconfig:\n  max_parallel: 4\ntasks:\n${tasks.join("\n")}\n`;
}

/** The 10 hourly workflows every phase starts with: loaded, scheduled, idle. */
const hourly = () =>
  Object.fromEntries(Array.from({ length: HOURLY }, (_, i) => [`hourly${i}.yaml`, workflow(`hourly${i}`, `0 ${i * 5} * * * *`, "/bin/true", [])]));

function cronAt(at: Date): string {
  return `${at.getSeconds()} ${at.getMinutes()} ${at.getHours()} ${at.getDate()} ${at.getMonth() + 1} *`;
}

class Daemon {
  readonly dir: string;
  readonly proc: Bun.Subprocess;
  readonly db: string;
  #port = 0;

  constructor(name: string, files: Record<string, string>) {
    this.dir = mkdtempSync(join(tmpdir(), `picoflow-bench-${name}-`));
    mkdirSync(join(this.dir, "workflows"));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(this.dir, "workflows", file), text);
    this.db = join(this.dir, "picoflow.db");
    // Metrics on (the default), on a free port: the daemon as it would run in production.
    this.proc = Bun.spawn([BIN, "--db-path", this.db, "--log-level", "warn", "daemon", "start", "--foreground", join(this.dir, "workflows")], {
      cwd: this.dir,
      env: { ...process.env, PICOFLOW_METRICS_PORT: "0", PICOFLOW_LOG_FORMAT: "json", ...EXTRA_ENV },
      stdin: "ignore",
      stdout: "ignore",
      stderr: Bun.file(join(this.dir, "daemon.log")),
    });
  }

  async ready(): Promise<void> {
    const stateFile = join(this.dir, "picoflow-daemon.json");
    for (let waited = 0; waited < 20_000; waited += 50) {
      try {
        const state = JSON.parse(readFileSync(stateFile, "utf8"));
        if (state.pid === this.proc.pid) {
          this.#port = state.metricsPort;
          return;
        }
      } catch {
        // Not written yet.
      }
      if (this.proc.exitCode !== null) throw new Error(`daemon exited: ${readFileSync(join(this.dir, "daemon.log"), "utf8")}`);
      await Bun.sleep(50);
    }
    throw new Error("daemon did not start in 20 s");
  }

  async scrape(): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${this.#port}/metrics`);
    if (response.status !== 200) throw new Error(`scrape answered ${response.status}`);
    await response.text();
  }

  memory(): Memory {
    return memoryOf(this.proc.pid);
  }

  rows<T>(sql: string): T[] {
    const db = new Database(this.db, { readonly: true });
    try {
      db.run("PRAGMA busy_timeout = 5000");
      return db.query(sql).all() as T[];
    } finally {
      db.close();
    }
  }

  count(sql: string): number {
    return this.rows<{ n: number }>(sql)[0]?.n ?? 0;
  }

  async stop(): Promise<void> {
    this.proc.kill("SIGTERM");
    await this.proc.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const utcMs = (text: string) => Date.parse(`${text.replace(" ", "T")}Z`);

/** Per execution of `workflow` (started at or after `since`): ms past its scheduled instant at which it started, and its first task started. */
function lateness(daemon: Daemon, workflow: string, periodSeconds: number, since = 0): { execution: number[]; task: number[] } {
  const rows = daemon
    .rows<{ started_at: string; task_started_at: string }>(
      `SELECT e.started_at, MIN(t.started_at) AS task_started_at FROM workflow_executions e
         JOIN task_executions t ON t.workflow_execution_id = e.id AND t.attempt = 1
        WHERE e.workflow_name = '${workflow}' GROUP BY e.id ORDER BY e.started_at`,
    )
    .filter((row) => utcMs(row.started_at) >= since);
  const period = periodSeconds * 1000;
  const due = (ms: number) => Math.floor(ms / period) * period;
  return {
    execution: rows.map((row) => utcMs(row.started_at) - due(utcMs(row.started_at))),
    task: rows.map((row) => utcMs(row.task_started_at) - due(utcMs(row.started_at))),
  };
}

async function idle(): Promise<Memory> {
  const daemon = new Daemon("idle", hourly());
  await daemon.ready();
  await Bun.sleep(3000);
  await daemon.scrape();
  await Bun.sleep(IDLE_AFTER_SCRAPE_MS);
  const reading = daemon.memory();
  await daemon.stop();
  return reading;
}

async function average(): Promise<{ mean: Memory; max: Memory; fires: number }> {
  const daemon = new Daemon("average", { ...hourly(), "every5.yaml": workflow("every5", "*/5 * * * * *", "/bin/true", []) });
  await daemon.ready();
  // From the first release after start-up on: the average of a running daemon, not of its start.
  await Bun.sleep(AVERAGE_SETTLE_MS);
  const samples: Memory[] = [];
  const started = Date.now();
  let nextScrape = started;
  while (Date.now() - started < AVERAGE_MS) {
    if (Date.now() >= nextScrape) {
      nextScrape += SCRAPE_EVERY_MS;
      await daemon.scrape();
    }
    samples.push(daemon.memory());
    await Bun.sleep(SAMPLE_MS);
  }
  const fires = daemon.count("SELECT COUNT(*) AS n FROM workflow_executions WHERE workflow_name = 'every5'");
  await daemon.stop();
  const mean = (pick: (m: Memory) => number) => samples.reduce((sum, m) => sum + pick(m), 0) / samples.length;
  return {
    mean: { rss: mean((m) => m.rss), anon: mean((m) => m.anon) },
    max: { rss: Math.max(...samples.map((m) => m.rss)), anon: Math.max(...samples.map((m) => m.anon)) },
    fires,
  };
}

async function parallel(): Promise<Memory & { concurrent: number }> {
  const fireAt = new Date(Math.ceil((Date.now() + 6000) / 1000) * 1000);
  const files = { ...hourly() };
  for (let i = 0; i < 10; i++) files[`together${i}.yaml`] = workflow(`together${i}`, cronAt(fireAt), "sleep", [String(PARALLEL_SLEEP_SECONDS)]);
  const daemon = new Daemon("parallel", files);
  await daemon.ready();
  let peak: Memory = { rss: 0, anon: 0 };
  let concurrent = 0;
  const until = fireAt.getTime() + (PARALLEL_SLEEP_SECONDS + 3) * 1000;
  // From the fire on: the start-up's own peak (before its first release) is not the tasks'.
  await Bun.sleep(fireAt.getTime() - Date.now());
  while (Date.now() < until) {
    const now = daemon.memory();
    peak = { rss: Math.max(peak.rss, now.rss), anon: Math.max(peak.anon, now.anon) };
    concurrent = Math.max(concurrent, daemon.count("SELECT COUNT(*) AS n FROM task_executions WHERE status = 'Running'"));
    await Bun.sleep(SAMPLE_MS);
  }
  await daemon.stop();
  return { ...peak, concurrent };
}

/** Every 3 s: each fire comes ~1 s after the idle release that followed the run before it. */
async function latenessPhase(): Promise<{ execution: number[]; task: number[] }> {
  const daemon = new Daemon("lateness", { ...hourly(), "tick.yaml": workflow("tick", "*/3 * * * * *", "/bin/true", []) });
  await daemon.ready();
  while (daemon.count("SELECT COUNT(*) AS n FROM workflow_executions WHERE status = 'Success'") < LATENESS_FIRES) await Bun.sleep(500);
  const late = lateness(daemon, "tick", 3);
  await daemon.stop();
  return { execution: late.execution.slice(0, LATENESS_FIRES), task: late.task.slice(0, LATENESS_FIRES) };
}

/** Drops the page cache 5 s before each fire of a 10-second schedule: every fire reads its pages from disk. */
async function coldPhase(): Promise<{ execution: number[]; task: number[] } | string> {
  if (process.getuid?.() !== 0) return "skipped: dropping the page cache needs root";
  const daemon = new Daemon("cold", { ...hourly(), "cold.yaml": workflow("cold", "*/10 * * * * *", "/bin/true", []) });
  await daemon.ready();
  let firstDrop = 0;
  for (let i = 0; i < COLD_FIRES; i++) {
    // At second 5 of each 10: the last run is over and released; the next fire is 5 s away.
    const nextDrop = Math.ceil((Date.now() + 1000) / 10_000) * 10_000 + 5000;
    await Bun.sleep(nextDrop - Date.now());
    firstDrop ||= Date.now();
    Bun.spawnSync(["sync"]);
    writeFileSync("/proc/sys/vm/drop_caches", "3\n");
  }
  await Bun.sleep(6000);
  const late = lateness(daemon, "cold", 10, firstDrop);
  await daemon.stop();
  return late;
}

/** The daemon's own CPU time so far (user + system, its children not included), in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** Wall time of each run, and the daemon's CPU time per run (less shaken by a busy machine). */
async function hundred(): Promise<{ wall: number[]; cpuPerRun: number }> {
  const daemon = new Daemon("hundred", { ...hourly(), "hundred.yaml": hundredTasks("*/10 * * * * *") });
  await daemon.ready();
  const succeeded = () => daemon.count("SELECT COUNT(*) AS n FROM workflow_executions WHERE status = 'Success'");
  // The first run is not counted: it pays for loading the engine's code once.
  while (succeeded() < 1) await Bun.sleep(100);
  const cpuBefore = cpuMs(daemon.proc.pid);
  while (succeeded() < HUNDRED_RUNS + 1) await Bun.sleep(100);
  const cpuPerRun = (cpuMs(daemon.proc.pid) - cpuBefore) / HUNDRED_RUNS;
  const rows = daemon.rows<{ started_at: string; finished_at: string }>(
    "SELECT started_at, finished_at FROM workflow_executions WHERE status = 'Success' ORDER BY started_at",
  );
  await daemon.stop();
  return { wall: rows.slice(1, HUNDRED_RUNS + 1).map((row) => utcMs(row.finished_at) - utcMs(row.started_at)), cpuPerRun };
}

async function growth(): Promise<{ warm: Memory; end: Memory; max: Memory; runs: number; seconds: number; late: { execution: number[]; task: number[] } }> {
  const files = { ...hourly() };
  for (let i = 0; i < 10; i++) files[`second${i}.yaml`] = workflow(`second${i}`, "* * * * * *", "/bin/true", []);
  const daemon = new Daemon("growth", files);
  await daemon.ready();
  const started = Date.now();
  let warm: Memory | undefined;
  let max: Memory = { rss: 0, anon: 0 };
  let runs = 0;
  while (runs < TOTAL_RUNS) {
    await Bun.sleep(1000);
    const now = daemon.memory();
    max = { rss: Math.max(max.rss, now.rss), anon: Math.max(max.anon, now.anon) };
    if (!warm && Date.now() - started >= WARMUP_SECONDS * 1000) warm = now;
    runs = daemon.count("SELECT COUNT(*) AS n FROM workflow_executions WHERE status = 'Success'");
    if (Date.now() - started > (TOTAL_RUNS / 10) * 3000) throw new Error(`only ${runs} runs after ${(Date.now() - started) / 1000} s`);
  }
  const end = daemon.memory();
  const late = { execution: [] as number[], task: [] as number[] };
  for (let i = 0; i < 10; i++) {
    const one = lateness(daemon, `second${i}`, 1);
    late.execution.push(...one.execution);
    late.task.push(...one.task);
  }
  await daemon.stop();
  return { warm: warm ?? end, end, max, runs, seconds: (Date.now() - started) / 1000, late };
}

function machine(): string {
  const run = (cmd: string[]) => Bun.spawnSync(cmd).stdout.toString().trim();
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  return `${new Date().toISOString().slice(0, 16)}Z, ${run(["uname", "-m"])}, Linux ${run(["uname", "-r"])}, nproc ${run(["nproc"])}, ${cpus()[0]?.model ?? "unknown cpu"}, load ${load}, Bun ${Bun.version}, binary ${BIN} ${mb(statSync(BIN).size)}`;
}

const want = (phase: Phase) => only.includes(phase);

await ensureBinary();
console.log(`machine: ${machine()}`);
if (Object.keys(EXTRA_ENV).length > 0) console.log(`daemon environment: ${Object.entries(EXTRA_ENV).map(([k, v]) => `${k}=${v}`).join(" ")}`);
if (want("idle")) console.log(`idle, 10 s after the last scrape:              ${both(await idle())}   target RSS <= 20 MB, private <= 10 MB`);
if (want("average")) {
  const a = await average();
  console.log(`average over 60 s, a fire every 5 s (${a.fires}), scrape every 15 s: ${both(a.mean)}; max ${both(a.max)}   target <= 30 MB`);
}
if (want("parallel")) {
  const p = await parallel();
  console.log(`10 tasks at once (peak, ${p.concurrent} seen running): ${both(p)}   target RSS <= 45 MB`);
}
if (want("lateness")) {
  const late = await latenessPhase();
  console.log(`cron lateness, ${late.execution.length} fires every 3 s (each after a release): execution started ${describe(late.execution)}   target p99 < 20 ms`);
  console.log(`                                       its task started ${describe(late.task)}`);
}
if (want("cold")) {
  const cold = await coldPhase();
  if (typeof cold === "string") console.log(`first fire after drop_caches: ${cold}`);
  else console.log(`first fire after drop_caches, ${cold.execution.length} times: execution started ${cold.execution.join(", ")} ms; its task ${cold.task.join(", ")} ms   target < 250 ms`);
}
if (want("hundred")) {
  const runs = await hundred();
  console.log(`100-task workflow (max_parallel 4) run by the daemon, ${runs.wall.length} runs: wall ${describe(runs.wall)}; daemon CPU ${runs.cpuPerRun.toFixed(0)} ms per run`);
}
if (want("growth")) {
  const g = await growth();
  console.log(
    `${g.runs} runs in ${g.seconds.toFixed(0)} s (10 every-second workflows): after ${WARMUP_SECONDS} s ${both(g.warm)} -> end ${both(g.end)}; max ${both(g.max)}`,
  );
  console.log(`cron lateness with 10 workflows due at the same second (${g.late.execution.length} fires): execution started ${describe(g.late.execution)}`);
  console.log(`                                       its task started ${describe(g.late.task)}`);
}
