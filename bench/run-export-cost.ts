/**
 * What do `[metrics] textfile_dir` and `pushgateway_url` cost a `picoflow run`? Both are loaded
 * only when set, so a run without them should cost what it cost before.
 *
 *   bun bench/run-export-cost.ts [--runs N] [--no-build]
 *
 * Builds dist/picoflow, starts Debian's prometheus-pushgateway on a free loopback port, then
 * runs examples/hello-world.yaml N times (default 11) in each of three folders, interleaved:
 *   plain        no picoflow.toml
 *   textfile     textfile_dir set (one .prom file written per run)
 *   pushgateway  pushgateway_url set (one PUT per run)
 * and prints the median peak RSS (the command's own, through GNU time) and wall time of each.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { $ } from "bun";
import { runMeasured } from "../test/helpers/peak-rss.ts";
import { median } from "./median.ts";

const ROOT = resolve(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "picoflow");
const EXAMPLE = join(ROOT, "examples", "hello-world.yaml");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 11;
if (!args.includes("--no-build")) await $`bun run build`.cwd(ROOT).quiet();

const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
const port = listener.port;
listener.stop(true);
const gateway = Bun.spawn(["/usr/bin/prometheus-pushgateway", `--web.listen-address=127.0.0.1:${port}`], { stdout: "ignore", stderr: "ignore" });
for (let i = 0; i < 100; i++) {
  if (await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false)) break;
  await Bun.sleep(50);
}

const work = mkdtempSync(join(tmpdir(), "picoflow-bench-export-"));
const scenarios: Record<string, string | undefined> = {
  plain: undefined,
  textfile: `[metrics]\ntextfile_dir = "textfile"\n`,
  pushgateway: `[metrics]\npushgateway_url = "http://127.0.0.1:${port}"\n`,
};
const results: Record<string, { rssMib: number[]; ms: number[] }> = {};
try {
  for (const [name, toml] of Object.entries(scenarios)) {
    const dir = join(work, name);
    await $`mkdir -p ${dir}`;
    if (toml) writeFileSync(join(dir, "picoflow.toml"), toml);
    results[name] = { rssMib: [], ms: [] };
  }
  for (let run = 0; run < runs; run++) {
    for (const name of Object.keys(scenarios)) {
      const dir = join(work, name);
      const started = performance.now();
      const measured = await runMeasured([BINARY, "run", EXAMPLE, "--db-path", join(dir, "picoflow.db")], { cwd: dir });
      if (measured.exitCode !== 0) throw new Error(`${name}: picoflow run failed`);
      results[name]?.ms.push(performance.now() - started);
      results[name]?.rssMib.push(measured.peakRssBytes / (1024 * 1024));
    }
  }
} finally {
  gateway.kill();
  rmSync(work, { recursive: true, force: true });
}

console.log(`${new Date().toISOString().slice(0, 10)}, ${cpus().length} x ${cpus()[0]?.model ?? "?"}, Linux ${release()}, ${runs} runs each`);
console.log("| run | peak RSS (median) | wall time (median) |\n|---|---|---|");
for (const [name, { rssMib, ms }] of Object.entries(results)) console.log(`| ${name} | ${median(rssMib).toFixed(1)} MiB | ${median(ms).toFixed(0)} ms |`);
