/** `daemon start|stop|status` as users see them: refusals, status fields, stop, background mode. */
import { afterEach, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { picoflowCommand, runCli } from "../helpers/cli.ts";
import { daemonDir, processesIn, shellTask, started, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

const cli = (args: string[], db = join(env.dir, "picoflow.db")) =>
  runCli(["--db-path", db, ...args], { cwd: env.dir, env: { PICOFLOW_METRICS_PORT: "0" } });

const hourly = () => env.write("hourly.yaml", workflowYaml("hourly-report", "0 0 * * * *", shellTask("t", "echo")));

test("one bad file among several: every problem printed, exit 2, nothing started", async () => {
  env = daemonDir();
  const good = hourly();
  const bad = env.write("bad.yaml", workflowYaml("bad", "99 * * * * *", shellTask("t", "echo")));
  const missing = join(env.dir, "missing.yaml");
  const result = await cli(["daemon", "start", "--foreground", good, bad, missing]);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain(`${bad}:2:`);
  expect(result.stderr).toContain("missing.yaml");
  expect(existsSync(join(env.dir, "picoflow.pid"))).toBe(false);
  expect(existsSync(join(env.dir, "picoflow.db"))).toBe(false);
}, 30_000);

test("two workflow files with the same name are refused", async () => {
  env = daemonDir();
  const a = hourly();
  const b = env.write("copy.yaml", workflowYaml("hourly-report", undefined, shellTask("t", "echo")));
  const result = await cli(["daemon", "start", "--foreground", a, b]);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain("workflow name 'hourly-report' is already used by");
}, 30_000);

test("daemon status shows the guide's fields and daemon stop stops it", async () => {
  env = daemonDir();
  const file = hourly();
  const other = env.write("berlin.yaml", `timezone: Europe/Berlin\n${workflowYaml("berlin", "0 30 3 * * 0", shellTask("t", "echo"))}`);
  const manual = env.write("manual.yaml", workflowYaml("manual", undefined, shellTask("t", "echo")));
  const daemon = env.start([file, other, manual]);
  await started(daemon);

  const status = await cli(["daemon", "status"]);
  expect(status.exitCode).toBe(0);
  const lines = status.stdout.trimEnd().split("\n");
  expect(lines[0]).toBe("Daemon Status: Running");
  expect(lines[1]).toBe(`PID: ${daemon.pid}`);
  expect(lines[2]).toMatch(/^Uptime: \d+s$/);
  expect(lines[3]).toBe("Workflows: 3 loaded");
  expect(lines.slice(4, 7)).toEqual([
    "  - hourly-report (cron: 0 0 * * * *)",
    "  - berlin (cron: 0 30 3 * * 0, Europe/Berlin)",
    "  - manual (no schedule)",
  ]);
  const nextHour = new Date();
  nextHour.setHours(nextHour.getHours() + 1, 0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, "0");
  const expected = `${nextHour.getFullYear()}-${pad(nextHour.getMonth() + 1)}-${pad(nextHour.getDate())} ${pad(nextHour.getHours())}:00:00`;
  expect(lines[7]).toBe(`Next scheduled run: hourly-report at ${expected}`);
  expect(lines[8]).toMatch(/^Memory usage: \d+\.\d MB$/);
  // The private part: the daemon's RssAnon, a fraction of its RSS.
  const [rss, own] = [lines[8], lines[9]].map((line) => Number(/([\d.]+) MB$/.exec(line ?? "")?.[1]));
  expect(lines[9]).toMatch(/^Private memory: \d+\.\d MB$/);
  expect(own).toBeGreaterThan(0);
  expect(own).toBeLessThan(rss as number);
  expect(status.stdout).toMatch(/Metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
  expect(status.stdout).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\/\n/);

  const stop = await cli(["daemon", "stop"]);
  expect(stop.exitCode).toBe(0);
  expect(stop.stdout).toBe(`Stopping daemon (PID ${daemon.pid})...\nDaemon stopped (PID ${daemon.pid})\n`);
  expect(await daemon.exited).toBe(0);
  expect(existsSync(join(env.dir, "picoflow.pid"))).toBe(false);

  const after = await cli(["daemon", "status"]);
  expect(after.exitCode).toBe(1);
  expect(after.stdout).toBe("Daemon Status: Not running\n");
  const again = await cli(["daemon", "stop"]);
  expect(again.exitCode).toBe(0);
  expect(again.stdout).toContain("Daemon is not running (no PID file at");
}, 40_000);

test("a second daemon on the same database is refused, even with another PID file", async () => {
  env = daemonDir();
  const file = hourly();
  const daemon = env.start([file]);
  await started(daemon);
  const second = await cli(["daemon", "start", "--foreground", "--pid-file", join(env.dir, "other.pid"), file]);
  expect(second.exitCode).toBe(1);
  expect(second.stderr).toContain(`error: a daemon (PID ${daemon.pid}) is already running on database ${join(env.dir, "picoflow.db")}`);
  expect(existsSync(join(env.dir, "other.pid"))).toBe(false);
  // The first one is unharmed.
  expect((await cli(["daemon", "status"])).stdout).toContain(`PID: ${daemon.pid}`);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("a second daemon on the same PID file is refused, even with another database", async () => {
  env = daemonDir();
  const file = hourly();
  const daemon = env.start([file]);
  await started(daemon);
  const otherDb = join(env.dir, "other", "picoflow.db");
  await Bun.$`mkdir -p ${join(env.dir, "other")}`;
  const second = await cli(["daemon", "start", "--foreground", "--pid-file", join(env.dir, "picoflow.pid"), file], otherDb);
  expect(second.exitCode).toBe(1);
  expect(second.stderr).toContain(`error: a daemon (PID ${daemon.pid}) is already running with PID file ${join(env.dir, "picoflow.pid")}`);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("a --pid-file that names a folder, or a folder that does not exist, is one line naming it; the database stays free", async () => {
  env = daemonDir();
  const file = hourly();
  const folderPid = ["--pid-file", env.dir];
  for (const args of [["daemon", "start", "--foreground", ...folderPid, file], ["daemon", "status", ...folderPid], ["daemon", "stop", ...folderPid]]) {
    const result = await cli(args);
    expect({ args, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ args, exitCode: 2, stderr: `error: PID file ${env.dir} is a folder; --pid-file names a file\n` });
  }
  const missing = join(env.dir, "missing", "picoflow.pid");
  const result = await cli(["daemon", "start", "--foreground", "--pid-file", missing, file]);
  expect(result.exitCode).toBe(1);
  expect(result.stderr).toBe(`error: cannot write the PID file ${missing}: folder ${join(env.dir, "missing")} does not exist\n`);
  // The refused start released the database's daemon lock: a daemon can start on it now.
  const daemon = env.start([file]);
  await started(daemon);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("a stale PID file (its process is gone) is replaced at start and removed by stop", async () => {
  env = daemonDir();
  const file = hourly();
  // A PID that is certainly not running: a child that has exited.
  const gone = Bun.spawn(["true"]);
  await gone.exited;
  writeFileSync(join(env.dir, "picoflow.pid"), `${gone.pid}\n`);
  const stop = await cli(["daemon", "stop"]);
  expect(stop.stdout).toBe(`Daemon is not running (removed stale PID file ${join(env.dir, "picoflow.pid")} of PID ${gone.pid})\n`);
  expect(existsSync(join(env.dir, "picoflow.pid"))).toBe(false);

  writeFileSync(join(env.dir, "picoflow.pid"), `${gone.pid}\n`);
  const daemon = env.start([file]);
  await started(daemon);
  expect(daemon.logs().some((line) => line.msg === "replaced a stale PID file")).toBe(true);
  expect((await Bun.file(join(env.dir, "picoflow.pid")).text()).trim()).toBe(String(daemon.pid));
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("--detach: the parent prints the PID and exits 0; the daemon logs to picoflow.log beside the database", async () => {
  env = daemonDir();
  const file = hourly();
  const start = await cli(["daemon", "start", "--detach", file]);
  expect(start.exitCode).toBe(0);
  const pid = Number(/Daemon started \(PID (\d+)\)/.exec(start.stdout)?.[1]);
  expect(pid).toBeGreaterThan(0);
  expect(start.stdout).toContain(`logging to ${join(env.dir, "picoflow.log")}`);
  const status = await cli(["daemon", "status"]);
  expect(status.stdout).toContain(`PID: ${pid}`);
  expect(status.stdout).toContain(`Log file: ${join(env.dir, "picoflow.log")}`);
  expect(await Bun.file(join(env.dir, "picoflow.log")).text()).toContain('"msg":"daemon started"');
  const stop = await cli(["daemon", "stop"]);
  expect(stop.exitCode).toBe(0);
  await waitFor(() => !processesIn(env.dir).includes(pid), 5000, "the daemon to be gone");
}, 40_000);

test("a background start is refused up front while a daemon runs", async () => {
  env = daemonDir();
  const file = hourly();
  const daemon = env.start([file]);
  await started(daemon);
  const start = await cli(["daemon", "start", "--detach", file]);
  expect(start.exitCode).toBe(1);
  expect(start.stderr).toBe(`error: a daemon (PID ${daemon.pid}) is already running; stop it with: picoflow daemon stop\n`);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("from an interactive terminal `daemon start` goes to the background by itself", async () => {
  env = daemonDir();
  const file = hourly();
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const command = [...picoflowCommand(), "--db-path", join(env.dir, "picoflow.db"), "daemon", "start", file].map(quote).join(" ");
  // script(1) runs the command on a pseudo-terminal: stdin and stdout are terminals, as in a shell.
  const terminal = Bun.spawn(["script", "-qec", command, "/dev/null"], {
    cwd: env.dir,
    env: { ...process.env, PICOFLOW_METRICS_PORT: "0" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const output = await new Response(terminal.stdout).text();
  expect(await terminal.exited).toBe(0);
  const pid = Number(/Daemon started \(PID (\d+)\)/.exec(output)?.[1]);
  expect(pid).toBeGreaterThan(0);
  expect((await cli(["daemon", "status"])).stdout).toContain(`PID: ${pid}`);
  expect((await cli(["daemon", "stop"])).exitCode).toBe(0);
}, 40_000);
