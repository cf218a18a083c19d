/**
 * `picoflow validate` of the worst workflow files found (issue 11): peak RSS (GNU time)
 * and wall time, median of RUNS. Also the memory cost of becoming child subreaper (bun:ffi).
 *
 *   bun bench/hostile-input.ts [RUNS]     (default 3; PICOFLOW_BIN=dist/picoflow for the binary)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { picoflowCommand } from "../test/helpers/cli.ts";
import { runMeasured } from "../test/helpers/peak-rss.ts";
import { median } from "./median.ts";

const runs = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "picoflow-hostile-"));
const MB = 1024 * 1024;
const tasks = (count: number, line: (i: number) => string) => `name: big\ntasks:\n${Array.from({ length: count }, (_, i) => line(i)).join("")}`;
const inputs: Record<string, () => string> = {
  "2 MB of [": () => "[".repeat(2_000_000),
  "2 MB of ]": () => "]".repeat(2 * MB - 64),
  "1 MB of ': '": () => ": ".repeat(MB / 2 - 32),
  "10,000-deep - - -": () => `${"- ".repeat(10_000)}x\n`,
  "alias bomb (10^9)": () => `a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(",")}]\n`).join("")}name: x\ntasks: *a9\n`,
  "32 KiB of ] (strict parser)": () => "]".repeat(32 * 1024 - 64),
  "2 MiB flow mapping": () => `{${Array.from({ length: 100_000 }, (_, i) => `k${i}: [a, {b: c}]`).join(",")}}`,
  "2 MiB: 28,000 tasks, 3 errors each": () => tasks(28_000, (i) => `  - {name: t${i}, type: shell, retry: -1, config: {command: true}}\n`),
  "20,000 valid tasks, a warning each": () => tasks(20_000, (i) => `  - name: t${i}\n    type: shell\n    config:\n      command: echo\n      args: [hi]\n`),
  "file over the limit (3 MB)": () => `name: x\ntasks:\n${"#".repeat(3_000_000)}\n`,
};

console.log("| input | exit | peak RSS (MiB) | time (s) |\n|---|---:|---:|---:|");
for (const [name, make] of Object.entries(inputs)) {
  const file = join(dir, "input.yaml");
  writeFileSync(file, make());
  const rss: number[] = [];
  const seconds: number[] = [];
  let exit = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const measured = await runMeasured([...picoflowCommand(), "validate", file], { env: { ...process.env, PICOFLOW_DB_PATH: join(dir, "none.db") } });
    exit = measured.exitCode;
    seconds.push((performance.now() - started) / 1000);
    rss.push(measured.peakRssBytes / MB);
  }
  console.log(`| ${name} | ${exit} | ${median(rss).toFixed(0)} | ${median(seconds).toFixed(2)} |`);
}

// Subreaper: RSS and private memory of a Bun process before and after loading it.
const probe = join(dir, "probe.ts");
writeFileSync(
  probe,
  `const read = (k: string) => Number(require("fs").readFileSync("/proc/self/" + (k === "rss" ? "status" : "smaps_rollup"), "utf8").match(k === "rss" ? /VmRSS:\\s+(\\d+)/ : /Private_Dirty:\\s+(\\d+)/)[1]);
Bun.gc(true); const r0 = read("rss"), p0 = read("priv");
if (process.argv[2] === "ffi") (await import(${JSON.stringify(join(import.meta.dir, "../src/platform/subreaper.ts"))})).becomeSubreaper().reap(1);
Bun.gc(true); console.log(read("rss") - r0, read("priv") - p0);`,
);
const delta = (args: string[]) => {
  const out = Bun.spawnSync([process.execPath, probe, ...args]).stdout.toString().trim().split(" ").map(Number);
  return { rss: out[0] ?? 0, priv: out[1] ?? 0 };
};
const without = Array.from({ length: 5 }, () => delta([]));
const withFfi = Array.from({ length: 5 }, () => delta(["ffi"]));
const kib = (pick: (d: { rss: number; priv: number }) => number) => median(withFfi.map(pick)) - median(without.map(pick));
console.log(`\nsubreaper (bun:ffi prctl + waitpid): +${kib((d) => d.rss)} KiB RSS, +${kib((d) => d.priv)} KiB private dirty (median of 5)`);
rmSync(dir, { recursive: true, force: true });
