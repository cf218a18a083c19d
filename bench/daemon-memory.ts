/**
 * The daemon's memory and timing, measured on the compiled binary (dist/picoflow):
 *   1. idle RSS / RssAnon with 10 scheduled workflows loaded;
 *   2. peak RSS / RssAnon while 10 workflows fire `sleep` at the same second;
 *   3. cron lateness: one every-second workflow, 60 fires, started_at vs the scheduled second;
 *   4. growth over 1000 scheduled runs (10 every-second workflows, ~100 s): RSS after warm-up vs end.
 *
 *   bun bench/daemon-memory.ts [--no-build] [--runs 1000] [--fires 60]
 *
 * Targets on x86_64 (issue 4): idle RSS <= 45 MB, 10 parallel tasks <= 60 MB, p99 lateness < 20 ms.
 * RSS = VmRSS from /proc/PID/status (shared file-backed pages of the binary included);
 * RssAnon = the private anonymous part, what one more daemon would really cost.
 */
import { Database } from "bun:sqlite";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Glob } from "bun";
import { type Memory, memoryOf } from "./proc-memory.ts";

const ROOT = resolve(import.meta.dir, "..");
const BIN = join(ROOT, "dist/picoflow");
const WORKFLOWS = 10;
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const TOTAL_RUNS = option("--runs", 1000);
const LATENESS_FIRES = option("--fires", 60);
/** Before sampling idle memory: start-up work (recovery, retention, first state writes) is over. */
const IDLE_SETTLE_MS = 10_000;
const IDLE_SAMPLES = 10;
const SAMPLE_MS = 100;
/** The growth phase compares the RSS after this many seconds with the RSS at its end. */
const WARMUP_SECONDS = 20;
const PARALLEL_SLEEP_SECONDS = 5;
const MB = 1024 * 1024;


const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function ensureBinary(): Promise<void> {
  if (args.includes("--no-build")) return;
  const built = (() => {
    try {
      return statSync(BIN).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const newest = Math.max(...[...new Glob("src/**/*.ts").scanSync({ cwd: ROOT, absolute: true })].map((file) => statSync(file).mtimeMs));
  if (built > newest) return;
  console.log("building dist/picoflow (bun run build) ...");
  const build = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (build.exitCode !== 0) throw new Error("bun run build failed");
}

function workflow(name: string, schedule: string, command: string, commandArgs: string[]): string {
  return `name: ${name}\nschedule: "${schedule}"\ntasks:\n  - name: work\n    type: shell\n    config:\n      command: ${command}\n      args: ${JSON.stringify(commandArgs)}\n`;
}

function cronAt(at: Date): string {
  return `${at.getSeconds()} ${at.getMinutes()} ${at.getHours()} ${at.getDate()} ${at.getMonth() + 1} *`;
}

class Daemon {
  readonly dir: string;
  readonly proc: Bun.Subprocess;
  readonly db: string;

  constructor(name: string, files: Record<string, string>) {
    this.dir = mkdtempSync(join(tmpdir(), `picoflow-bench-${name}-`));
    mkdirSync(join(this.dir, "workflows"));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(this.dir, "workflows", file), text);
    // Metrics on (the default), on a free port: the daemon as it would run in production.
    this.db = join(this.dir, "picoflow.db");
    this.proc = Bun.spawn([BIN, "--db-path", this.db, "--log-level", "warn", "daemon", "start", "--foreground", join(this.dir, "workflows")], {
      cwd: this.dir,
      env: { ...process.env, PICOFLOW_METRICS_PORT: "0", PICOFLOW_LOG_FORMAT: "json" },
      stdin: "ignore",
      stdout: "ignore",
      stderr: Bun.file(join(this.dir, "daemon.log")),
    });
  }

  async ready(): Promise<void> {
    const stateFile = join(this.dir, "picoflow-daemon.json");
    for (let waited = 0; waited < 20_000; waited += 50) {
      try {
        if (JSON.parse(readFileSync(stateFile, "utf8")).pid === this.proc.pid) return;
      } catch {
        // Not written yet.
      }
      if (this.proc.exitCode !== null) throw new Error(`daemon exited: ${readFileSync(join(this.dir, "daemon.log"), "utf8")}`);
      await Bun.sleep(50);
    }
    throw new Error("daemon did not start in 20 s");
  }

  memory(): Memory {
    return memoryOf(this.proc.pid);
  }

  rows<T>(sql: string): T[] {
    const db = new Database(this.db, { readonly: true });
    try {
      return db.query(sql).all() as T[];
    } finally {
      db.close();
    }
  }

  async stop(): Promise<void> {
    this.proc.kill("SIGTERM");
    await this.proc.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function idle(): Promise<{ rss: number; anon: number }> {
  const files = Object.fromEntries(
    Array.from({ length: WORKFLOWS }, (_, i) => [`wf${i}.yaml`, workflow(`wf${i}`, `0 ${i} 3 * * *`, "/bin/true", [])]),
  );
  const daemon = new Daemon("idle", files);
  await daemon.ready();
  await Bun.sleep(IDLE_SETTLE_MS);
  const samples: Memory[] = [];
  for (let i = 0; i < IDLE_SAMPLES; i++) {
    samples.push(daemon.memory());
    await Bun.sleep(1000);
  }
  await daemon.stop();
  return { rss: Math.max(...samples.map((s) => s.rss)), anon: Math.max(...samples.map((s) => s.anon)) };
}

async function parallel(): Promise<{ rss: number; anon: number; concurrent: number }> {
  const fireAt = new Date(Math.ceil((Date.now() + 6000) / 1000) * 1000);
  const files = Object.fromEntries(
    Array.from({ length: WORKFLOWS }, (_, i) => [`wf${i}.yaml`, workflow(`wf${i}`, cronAt(fireAt), "sleep", [String(PARALLEL_SLEEP_SECONDS)])]),
  );
  const daemon = new Daemon("parallel", files);
  await daemon.ready();
  let peak: Memory = { rss: 0, anon: 0 };
  let concurrent = 0;
  const until = fireAt.getTime() + (PARALLEL_SLEEP_SECONDS + 3) * 1000;
  while (Date.now() < until) {
    const now = daemon.memory();
    peak = { rss: Math.max(peak.rss, now.rss), anon: Math.max(peak.anon, now.anon) };
    const running = daemon.rows<{ n: number }>("SELECT COUNT(*) AS n FROM task_executions WHERE status = 'Running'")[0]?.n ?? 0;
    concurrent = Math.max(concurrent, running);
    await Bun.sleep(SAMPLE_MS);
  }
  await daemon.stop();
  return { ...peak, concurrent };
}

/**
 * Milliseconds past its scheduled second at which each execution started (every-second
 * schedules, so the scheduled second is the one started_at falls in), and at which its
 * task's first attempt started (the process spawn included).
 */
function lateness(daemon: Daemon): { execution: number[]; task: number[] } {
  const rows = daemon.rows<{ started_at: string; task_started_at: string }>(
    `SELECT e.started_at, t.started_at AS task_started_at FROM workflow_executions e
       JOIN task_executions t ON t.workflow_execution_id = e.id AND t.attempt = 1 ORDER BY e.started_at`,
  );
  const ms = (text: string) => Date.parse(`${text.replace(" ", "T")}Z`);
  const execution = rows.map((row) => ms(row.started_at) % 1000);
  const task = rows.map((row) => ms(row.task_started_at) - Math.floor(ms(row.started_at) / 1000) * 1000);
  return { execution, task };
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const describe = (values: number[]) => {
  const s = sorted(values);
  return `p50 ${percentile(s, 50)} ms  p99 ${percentile(s, 99)} ms  max ${s.at(-1)} ms`;
};

async function latenessPhase(): Promise<{ execution: number[]; task: number[] }> {
  const daemon = new Daemon("lateness", { "tick.yaml": workflow("tick", "* * * * * *", "/bin/true", []) });
  await daemon.ready();
  while ((daemon.rows<{ n: number }>("SELECT COUNT(*) AS n FROM workflow_executions")[0]?.n ?? 0) < LATENESS_FIRES) await Bun.sleep(500);
  const late = lateness(daemon);
  await daemon.stop();
  return { execution: late.execution.slice(0, LATENESS_FIRES), task: late.task.slice(0, LATENESS_FIRES) };
}

async function growth(): Promise<{ warm: Memory; end: Memory; max: Memory; runs: number; seconds: number; late: { execution: number[]; task: number[] } }> {
  const files = Object.fromEntries(
    Array.from({ length: WORKFLOWS }, (_, i) => [`wf${i}.yaml`, workflow(`wf${i}`, "* * * * * *", "/bin/true", [])]),
  );
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
    runs = daemon.rows<{ n: number }>("SELECT COUNT(*) AS n FROM workflow_executions WHERE status = 'Success'")[0]?.n ?? 0;
    if (Date.now() - started > (TOTAL_RUNS / WORKFLOWS) * 3000) throw new Error(`only ${runs} runs after ${(Date.now() - started) / 1000} s`);
  }
  const end = daemon.memory();
  const late = lateness(daemon);
  await daemon.stop();
  return { warm: warm ?? end, end, max, runs, seconds: (Date.now() - started) / 1000, late };
}

function machine(): string {
  const run = (cmd: string[]) => Bun.spawnSync(cmd).stdout.toString().trim();
  return `${new Date().toISOString().slice(0, 10)}, ${run(["uname", "-m"])}, nproc ${run(["nproc"])}, ${cpus()[0]?.model ?? "unknown cpu"}, Bun ${Bun.version}, binary ${mb(statSync(BIN).size)}`;
}

await ensureBinary();
console.log(`machine: ${machine()}`);
const idleResult = await idle();
console.log(`idle (10 workflows loaded):      RSS ${mb(idleResult.rss)}  RssAnon ${mb(idleResult.anon)}   target RSS <= 45 MB`);
const parallelResult = await parallel();
console.log(`10 tasks at once (peak, ${parallelResult.concurrent} seen running): RSS ${mb(parallelResult.rss)}  RssAnon ${mb(parallelResult.anon)}   target RSS <= 60 MB`);
const late = await latenessPhase();
console.log(`cron lateness, ${late.execution.length} fires of one workflow: execution started ${describe(late.execution)}   target p99 < 20 ms`);
console.log(`                                       its task started ${describe(late.task)}`);
const growthResult = await growth();
console.log(
  `${growthResult.runs} runs in ${growthResult.seconds.toFixed(0)} s (10 every-second workflows): RSS after ${WARMUP_SECONDS} s ${mb(growthResult.warm.rss)} -> end ${mb(growthResult.end.rss)} (max ${mb(growthResult.max.rss)}); RssAnon ${mb(growthResult.warm.anon)} -> ${mb(growthResult.end.anon)} (max ${mb(growthResult.max.anon)})`,
);
const g = growthResult.late;
console.log(`cron lateness with 10 workflows due at the same second (${g.execution.length} fires): execution started ${describe(g.execution)}`);
console.log(`                                       its task started ${describe(g.task)}`);
