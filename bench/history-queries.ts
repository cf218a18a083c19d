/**
 * Fills a history database with 100,000 task executions (a year of 12 workflows: cron
 * jobs every few minutes to nightly ones, with failures, retries, timeouts, skips and two
 * executions running now) and times the inspecting commands as whole processes.
 *
 *   bun bench/history-queries.ts [--rounds N] [--bin dist/picoflow] [--keep]
 *
 * Target (issue 5): `history`, `stats` and `status` each under 200 ms.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SqliteStore } from "../src/store/sqlite.ts";
import { currentProcess } from "../src/util/process-identity.ts";
import { toSqlTime } from "../src/util/time.ts";

const TARGET_TASK_ROWS = 100_000;
const TARGET_MS = 200;
const DAY_MS = 86_400_000;
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rounds = Number(option("--rounds")) || 7;
const command = option("--bin") ? [resolve(option("--bin") as string)] : [process.execPath, resolve(import.meta.dir, "../src/main.ts")];

interface Shape {
  name: string;
  tasks: number;
  /** Minutes between runs. */
  everyMinutes: number;
  /** Typical task duration in seconds. */
  taskSeconds: number;
  failureRate: number;
}

// Run counts are scaled below so that the task rows add up to about TARGET_TASK_ROWS.
const SHAPES: Shape[] = [
  { name: "health-check", tasks: 1, everyMinutes: 5, taskSeconds: 0.4, failureRate: 0.01 },
  { name: "sensor-poll", tasks: 2, everyMinutes: 15, taskSeconds: 1.5, failureRate: 0.03 },
  { name: "backup-workflow", tasks: 5, everyMinutes: 1440, taskSeconds: 75, failureRate: 0.07 },
  { name: "log-rotate", tasks: 3, everyMinutes: 1440, taskSeconds: 4, failureRate: 0.01 },
  { name: "metrics-push", tasks: 4, everyMinutes: 60, taskSeconds: 2, failureRate: 0.05 },
  { name: "db-vacuum", tasks: 2, everyMinutes: 10080, taskSeconds: 30, failureRate: 0.02 },
  { name: "photo-sync", tasks: 6, everyMinutes: 360, taskSeconds: 20, failureRate: 0.1 },
  { name: "weather-fetch", tasks: 3, everyMinutes: 30, taskSeconds: 1, failureRate: 0.04 },
  { name: "deploy-app", tasks: 8, everyMinutes: 2880, taskSeconds: 40, failureRate: 0.08 },
  { name: "cert-renew", tasks: 4, everyMinutes: 10080, taskSeconds: 10, failureRate: 0.03 },
  { name: "cleanup", tasks: 2, everyMinutes: 720, taskSeconds: 3, failureRate: 0.01 },
  { name: "report-mail", tasks: 5, everyMinutes: 1440, taskSeconds: 6, failureRate: 0.02 },
];
const FAILURES = [
  { kind: "exit-code", error: "exit code 1", exitCode: 1, status: "Failed" },
  { kind: "timeout", error: "timed out after 300s", exitCode: 143, status: "Timeout" },
  { kind: "connection-refused", error: "connection refused: 10.0.0.5:5432", exitCode: null, status: "Failed" },
  { kind: "http-status", error: "HTTP 503 Service Unavailable", exitCode: null, status: "Failed" },
] as const;

/** Deterministic, so every run of the benchmark measures the same database. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function fill(dbPath: string): { executions: number; tasks: number } {
  SqliteStore.open(dbPath).close(); // the real schema, every migration applied
  const db = new Database(dbPath);
  const next = random(42);
  const now = Date.now();
  const yearMinutes = 365 * 1440;
  const rowsPerYear = SHAPES.reduce((sum, shape) => sum + (yearMinutes / shape.everyMinutes) * shape.tasks, 0);
  const scale = TARGET_TASK_ROWS / rowsPerYear;
  const insertExecution = db.prepare(
    `INSERT INTO workflow_executions (id, workflow_name, started_at, finished_at, status, duration_seconds, workflow_file, log_dir, owner_pid, owner_start_ticks)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertTask = db.prepare(
    `INSERT INTO task_executions (id, workflow_execution_id, task_name, status, started_at, finished_at, exit_code, stdout, stderr, attempt,
       duration_seconds, error, failure_kind, log_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let executions = 0;
  let tasks = 0;
  const me = currentProcess();
  db.transaction(() => {
    for (const shape of SHAPES) {
      const runs = Math.max(1, Math.round((yearMinutes / shape.everyMinutes) * scale));
      const spacing = (365 * DAY_MS) / runs;
      for (let run = 0; run < runs; run++) {
        const running = run === runs - 1 && (shape.name === "backup-workflow" || shape.name === "photo-sync");
        const startMs = Math.round(running ? now - 90_000 : now - 365 * DAY_MS + run * spacing);
        const id = Bun.randomUUIDv7("hex", startMs);
        const logDir = `/var/lib/picoflow/logs/${shape.name}/${id.slice(-8)}`;
        let at = startMs;
        let failed = false;
        for (let index = 0; index < shape.tasks; index++) {
          const name = `${shape.name.split("-")[0]}_step_${index + 1}`;
          if (failed) {
            insertTask.run(crypto.randomUUID(), id, name, "Skipped", toSqlTime(new Date(at)), toSqlTime(new Date(at)), null, null, null, 0, 0, "upstream task failed", null, null);
            tasks++;
            continue;
          }
          if (running && index >= 2) break; // tasks 3.. are still pending
          const fails = next() < shape.failureRate;
          const retried = !fails && next() < shape.failureRate;
          const attempts = fails ? 2 : retried ? 2 : 1;
          for (let attempt = 1; attempt <= attempts; attempt++) {
            const seconds = shape.taskSeconds * (0.5 + next());
            const start = new Date(at);
            const end = new Date(at + seconds * 1000);
            const ok = !(fails || (retried && attempt === 1));
            const failure = FAILURES[Math.floor(next() * FAILURES.length)] ?? FAILURES[0];
            const stillRunning = running && index === 1;
            insertTask.run(
              crypto.randomUUID(), id, name,
              stillRunning ? "Running" : ok ? "Success" : failure.status,
              toSqlTime(start), stillRunning ? null : toSqlTime(end),
              stillRunning ? null : ok ? 0 : failure.exitCode,
              stillRunning ? null : `${name} done: processed ${Math.floor(next() * 1000)} items\n`, "",
              attempt, stillRunning ? null : Math.round(seconds * 1000) / 1000,
              ok || stillRunning ? null : failure.error, ok || stillRunning ? null : failure.kind,
              `${logDir}/${name}.log`,
            );
            tasks++;
            at = end.getTime() + 1000;
            if (stillRunning) break;
          }
          if (fails) failed = true;
        }
        const status = running ? "Running" : failed ? "Failed" : "Success";
        insertExecution.run(
          id, shape.name, toSqlTime(new Date(startMs)), running ? null : toSqlTime(new Date(at)), status,
          running ? null : Math.round(at - startMs) / 1000, `/etc/picoflow/workflows/${shape.name}.yaml`, logDir,
          running ? me.pid : 4242, running ? me.startTicks : "1",
        );
        executions++;
      }
    }
  })();
  db.run("ANALYZE");
  db.close();
  return { executions, tasks };
}

function time(argv: string[], dbPath: string): { medianMs: number; minMs: number } {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const result = Bun.spawnSync([...command, ...argv, "--db-path", dbPath], { stdout: "pipe", stderr: "pipe", env: { ...process.env, PICOFLOW_LOG_FORMAT: "json" } });
    samples.push(performance.now() - started);
    if (result.exitCode !== 0) throw new Error(`picoflow ${argv.join(" ")} exited ${result.exitCode}: ${result.stderr.toString()}`);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)] ?? 0, minMs: samples[0] ?? 0 };
}

const dir = mkdtempSync(join(tmpdir(), "picoflow-bench-history-"));
const dbPath = join(dir, "picoflow.db");
try {
  const fillStarted = performance.now();
  const filled = fill(dbPath);
  console.log(`filled ${filled.executions} executions, ${filled.tasks} task executions in ${Math.round(performance.now() - fillStarted)} ms (${dbPath})`);
  console.log(`command: ${command.join(" ")}; median and min of ${rounds} runs each`);
  const cases: [string[], boolean][] = [
    [["--version"], false],
    [["history"], true],
    [["history", "--workflow", "backup-workflow", "--status", "failed", "--limit", "20"], true],
    [["history", "--since", new Date(Date.now() - 7 * DAY_MS).toISOString().slice(0, 10), "--limit", "100"], true],
    [["stats"], true],
    [["stats", "--period", "365"], true],
    [["stats", "--workflow", "backup-workflow", "--period", "365"], true],
    [["status"], true],
    [["status", "--running-only"], true],
    [["workflow", "list"], false],
  ];
  for (const [argv, targeted] of cases) {
    const { medianMs, minMs } = time(argv, dbPath);
    const verdict = targeted ? (medianMs < TARGET_MS ? "ok" : `OVER ${TARGET_MS} ms`) : "";
    console.log(`${`picoflow ${argv.join(" ")}`.padEnd(86)} median ${medianMs.toFixed(0).padStart(4)} ms  min ${minMs.toFixed(0).padStart(4)} ms  ${verdict}`);
  }
} finally {
  if (!args.includes("--keep")) rmSync(dir, { recursive: true, force: true });
}
