/**
 * What systemd notify costs a compiled daemon at idle: the same 10 daily workflows run with
 * and without NOTIFY_SOCKET/WATCHDOG_USEC (a real datagram socket listening), optionally also
 * against another binary (the build before a change), interleaved, several runs each.
 *
 *   bun bench/service-memory.ts [--bin dist/picoflow] [--baseline OTHER_BINARY]... [--runs 5]
 *
 * Each run settles 10 s, then takes 10 samples one second apart of VmRSS and RssAnon
 * (/proc/PID/status); a run's figure is its maximum, the table shows the median over runs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bindNotifyReceiver } from "../test/helpers/notify-receiver.ts";
import { type Memory, memoryOf } from "./proc-memory.ts";
import { median } from "./median.ts";

const ROOT = resolve(import.meta.dir, "..");
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const BIN = resolve(option("--bin") ?? join(ROOT, "dist/picoflow"));
/** Every `--baseline BIN` (repeatable): other builds measured without NOTIFY_SOCKET for comparison. */
const BASELINES = args.flatMap((arg, index) => (arg === "--baseline" && args[index + 1] ? [args[index + 1] as string] : []));
const RUNS = Number(option("--runs") ?? 5);
const WORKFLOWS = 10;
const SETTLE_MS = 10_000;
const SAMPLES = 10;
const MIB = 1024 * 1024;


async function idleRun(binary: string, notify: boolean): Promise<Memory> {
  const dir = mkdtempSync(join(tmpdir(), "picoflow-bench-service-"));
  mkdirSync(join(dir, "workflows"));
  for (let i = 0; i < WORKFLOWS; i++) {
    writeFileSync(
      join(dir, "workflows", `wf${i}.yaml`),
      `name: wf${i}\nschedule: "0 ${i} 3 * * *"\ntasks:\n  - name: work\n    type: shell\n    config:\n      command: /bin/true\n`,
    );
  }
  const receiver = notify ? bindNotifyReceiver(join(dir, "notify.sock")) : undefined;
  const proc = Bun.spawn([binary, "--db-path", join(dir, "picoflow.db"), "--log-level", "warn", "daemon", "start", "--foreground", join(dir, "workflows")], {
    cwd: dir,
    env: {
      ...process.env,
      PICOFLOW_METRICS_PORT: "0",
      PICOFLOW_LOG_FORMAT: "json",
      ...(receiver ? { NOTIFY_SOCKET: receiver.address, WATCHDOG_USEC: "2000000" } : {}),
    },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    if (receiver) await receiver.waitFor((message) => message.fields.READY === "1", 20_000);
    await Bun.sleep(SETTLE_MS);
    let peak: Memory = { rss: 0, anon: 0 };
    for (let i = 0; i < SAMPLES; i++) {
      const sample = memoryOf(proc.pid);
      peak = { rss: Math.max(peak.rss, sample.rss), anon: Math.max(peak.anon, sample.anon) };
      await Bun.sleep(1000);
    }
    if (receiver && !receiver.messages.some((message) => message.fields.WATCHDOG === "1")) throw new Error("no watchdog ping received");
    return peak;
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
    receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (bytes: number) => (bytes / MIB).toFixed(1);

const scenarios = [
  ...BASELINES.map((binary) => ({ name: `${binary}, no NOTIFY_SOCKET`, binary: resolve(binary), notify: false })),
  { name: `${BIN}, no NOTIFY_SOCKET`, binary: BIN, notify: false },
  { name: `${BIN}, NOTIFY_SOCKET + WATCHDOG_USEC`, binary: BIN, notify: true },
];
const results = new Map<string, Memory[]>(scenarios.map((scenario) => [scenario.name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const scenario of scenarios) {
    results.get(scenario.name)?.push(await idleRun(scenario.binary, scenario.notify));
    process.stderr.write(".");
  }
}
process.stderr.write("\n");
console.log("| scenario | VmRSS (MiB) | RssAnon (MiB) | RssAnon range (MiB) |\n|---|---:|---:|---:|");
for (const [name, runs] of results) {
  const anon = runs.map((run) => run.anon);
  console.log(`| ${name} | ${mib(median(runs.map((run) => run.rss)))} | ${mib(median(anon))} | ${mib(Math.min(...anon))}-${mib(Math.max(...anon))} |`);
}
