/**
 * What the dashboard costs an idle daemon, on the compiled binary: idle RSS / RssAnon of a
 * daemon with 10 scheduled workflows and
 *   a. [dashboard] enabled = false,
 *   b. the dashboard on (the default) and never visited,
 *   c. the dashboard on, after the overview, a workflow page and the API were viewed once.
 * Each is measured twice, alternating, to see the noise. The binary is built into a temp
 * folder, so a dist/picoflow in use elsewhere is left alone.
 *
 *   bun bench/dashboard-memory.ts
 *
 * Target (issue 16): b within 2 MB of a (the page code loads on first request only).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { $ } from "bun";
import { COMPILE_FLAGS } from "../build/compile-flags.ts";
import { type Memory, memoryOf } from "./proc-memory.ts";

const ROOT = resolve(import.meta.dir, "..");
const WORKFLOWS = 10;
const SETTLE_MS = 10_000;
const SAMPLES = 10;
const MB = 1024 * 1024;

type Variant = "dashboard off" | "dashboard on, not visited" | "dashboard on, visited once";


async function measure(bin: string, variant: Variant): Promise<Memory> {
  const dir = mkdtempSync(join(tmpdir(), "picoflow-bench-dashboard-"));
  try {
    mkdirSync(join(dir, "workflows"));
    for (let i = 0; i < WORKFLOWS; i++) {
      writeFileSync(join(dir, "workflows", `wf${i}.yaml`), `name: wf${i}\nschedule: "0 ${i} 3 * * *"\ntasks:\n  - name: work\n    type: shell\n    config: {command: /bin/true}\n`);
    }
    writeFileSync(join(dir, "picoflow.toml"), variant === "dashboard off" ? "[dashboard]\nenabled = false\n" : "");
    const proc = Bun.spawn([bin, "--db-path", join(dir, "picoflow.db"), "--log-level", "warn", "daemon", "start", "--foreground", join(dir, "workflows")], {
      cwd: dir,
      env: { ...process.env, PICOFLOW_METRICS_PORT: "0", PICOFLOW_LOG_FORMAT: "json" },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      let metricsUrl: string | undefined;
      for (let waited = 0; !metricsUrl && waited < 20_000; waited += 50) {
        try {
          metricsUrl = JSON.parse(readFileSync(join(dir, "picoflow-daemon.json"), "utf8")).metricsUrl ?? undefined;
        } catch {
          // Not written yet.
        }
        await Bun.sleep(50);
      }
      if (!metricsUrl) throw new Error("the daemon did not publish its state in 20 s");
      if (variant === "dashboard on, visited once") {
        for (const path of ["/", "/workflows/wf0", "/api/v1/workflows", "/assets/dashboard.js"]) {
          const response = await fetch(new URL(path, metricsUrl));
          if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
          await response.arrayBuffer();
        }
      }
      await Bun.sleep(SETTLE_MS);
      const samples: Memory[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        samples.push(memoryOf(proc.pid));
        await Bun.sleep(500);
      }
      return { rss: Math.max(...samples.map((s) => s.rss)), anon: Math.max(...samples.map((s) => s.anon)) };
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const buildDir = mkdtempSync(join(tmpdir(), "picoflow-bench-build-"));
try {
  const bin = join(buildDir, "picoflow");
  await $`bun build ${COMPILE_FLAGS} src/main.ts --outfile ${bin}`.cwd(ROOT).quiet();
  const uname = Bun.spawnSync(["uname", "-m"]).stdout.toString().trim();
  console.log(`${new Date().toISOString().slice(0, 10)}, ${uname}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores), Bun ${Bun.version}, binary ${(statSync(bin).size / MB).toFixed(1)} MB`);
  const variants: Variant[] = ["dashboard off", "dashboard on, not visited", "dashboard on, visited once"];
  for (let round = 1; round <= 2; round++) {
    for (const variant of variants) {
      const memory = await measure(bin, variant);
      console.log(`  round ${round}, ${variant.padEnd(27)} idle RSS ${(memory.rss / MB).toFixed(1)} MB  RssAnon ${(memory.anon / MB).toFixed(1)} MB`);
    }
  }
} finally {
  rmSync(buildDir, { recursive: true, force: true });
}
