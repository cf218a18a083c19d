/** The daemon applies `[history] max_size_mb` when it starts, before it schedules anything. */
import { afterEach, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { daemonDir, executions, started } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

test("a daemon started on a database over its budget prunes it before it starts", async () => {
  env = daemonDir();
  const db = join(env.dir, "picoflow.db");
  const printer = `  - name: print\n    type: shell\n    config:\n      command: /bin/sh\n      args: ["-c", "head -c 300000 /dev/zero | tr '\\\\0' y"]\n`;
  const file = env.write("fill.yaml", `name: fill\nschedule: "0 0 0 1 1 *"\ntasks:\n${printer}${printer.replace("print", "print2")}`);
  // Filled without a budget: 10 runs x 2 attempts x 64 KiB of output kept.
  for (let run = 0; run < 10; run++) expect((await runCli(["run", file, "--db-path", db], { cwd: env.dir })).exitCode).toBe(0);
  expect(statSync(db).size).toBeGreaterThan(1024 * 1024);

  env.write("picoflow.toml", "[history]\nmax_size_mb = 1\n");
  const daemon = env.start([file]);
  const pruned = await daemon.waitForLog((line) => line.msg === "history pruned to its size budget");
  await started(daemon);
  expect(pruned.executions_pruned).toBeGreaterThan(0);
  expect(statSync(db).size).toBeLessThanOrEqual(1024 * 1024);
  expect(executions(db, "fill").length).toBe(10 - (pruned.executions_pruned as number));
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 60_000);
